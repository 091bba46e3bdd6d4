"""Confinement steps, applied by a run's own processes to themselves (:mod:`.supervisor`).

Each run of student code is forked from a snapshot of the zygote; before any student code exists
in it, its supervisor and the run itself apply the policy the grader decided
(:mod:`...policy`):

1. new namespaces (:func:`enter_namespaces`): network (no interface but a downed loopback: no
   network at all), mounts, IPC (no System V segment or queue of anyone else) and pid (the run's
   processes die with it), inside a new user namespace when the grader is not root;
2. mounts (:func:`arrange_mounts`): the instructor's paths and the homes hidden under empty
   tmpfs but for what the run needs, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` an empty tmpfs of
   the run's own, the whole file system read-only but those and the scratch folder;
3. resource limits (:func:`apply_limits`): data segment (memory), CPU seconds, processes, file
   size, no core files;
4. for a root grader, a uid and gid of the run's own (:func:`drop_privileges`).

A step that fails stops the run before it runs anything: a run never has less isolation than
the grader announced. ``python -m tp_helpers.grading.engine.child.confine --probe FOLDER``
tries each mechanism in a child process and prints what works here as JSON (the grader calls it
once per class run).

This module imports only the standard library.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

#: uids (and gids) given to runs by a root grader: PRIVATE_ID_BASE + the supervisor's pid
PRIVATE_ID_BASE = 1 << 30
NOBODY = 65534

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 1
SYS_MOUNT_SETATTR = 442  # the same number on every architecture (new syscall table)

_libc = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


class SandboxFailed(Exception):
    """One step of the policy could not be applied."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxFailed(f"{what}: {os.strerror(err)} (errno {err})")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    def enc(text):
        return None if text is None else os.fsencode(text)

    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


def _set_readonly(path: str, readonly: bool, recursive: bool) -> None:
    attr = _MountAttr(MOUNT_ATTR_RDONLY if readonly else 0, 0 if readonly else MOUNT_ATTR_RDONLY)
    flags = AT_RECURSIVE if recursive else 0
    result = _libc.syscall(
        ctypes.c_long(SYS_MOUNT_SETATTR),
        ctypes.c_int(AT_FDCWD),
        os.fsencode(path),
        ctypes.c_uint(flags),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    _check(result, f"mount_setattr {path}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


# -- the policy's steps -----------------------------------------------------------------------
def apply_limits(limits: dict) -> None:
    """``setrlimit`` soft = hard for each limit given (None: left as it is); never core files."""
    try:
        import resource
    except ImportError:  # Windows: no resource limits
        return
    table = {
        "memory": resource.RLIMIT_DATA,
        "cpu": resource.RLIMIT_CPU,
        "nproc": resource.RLIMIT_NPROC,
        "fsize": resource.RLIMIT_FSIZE,
    }
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, kind in table.items():
        value = limits.get(name)
        if value is None:
            continue
        value = int(value)
        # CPU: SIGXCPU at the soft limit, SIGKILL 5 s later if it is handled
        hard = value + 5 if kind == resource.RLIMIT_CPU else value
        resource.setrlimit(kind, (value, hard))


def enter_namespaces(policy: dict) -> None:
    """New network / mount / IPC / pid namespaces (inside a new user namespace when not root).

    A new pid namespace applies to the children of the caller: the next one forked is its
    pid 1, and when that one ends the kernel kills every process left in it."""
    flags = (
        (CLONE_NEWNET if policy.get("network") else 0)
        | (CLONE_NEWNS if policy.get("mounts") else 0)
        | (CLONE_NEWIPC if policy.get("ipc") else 0)
        | (CLONE_NEWPID if policy.get("pid") else 0)
    )
    if not flags:
        return
    if policy.get("userns"):
        uid, gid = os.getuid(), os.getgid()
        _unshare(CLONE_NEWUSER | flags)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    else:
        _unshare(flags)


def arrange_mounts(policy: dict) -> None:
    """Hide the instructor's paths, keep only this run's scratch folder writable."""
    if not policy.get("mounts"):
        return
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)  # nothing we do leaks to the grader
    scratch, root = policy["scratch"], policy.get("scratch_root")
    # homes, and folders the run's uid cannot cross (a 0700 home holding the interpreter):
    # covered by an empty tmpfs where only the paths the run needs are bound back in place
    for top, paths in policy.get("reveal", {}).items():
        _reveal_only(top, paths)
    if root:  # other students' scratch folders: gone; ours: bound back at the same path
        _reveal_only(root, [scratch])
    else:
        _mount(scratch, scratch, None, MS_BIND, None)
    # /tmp, /dev/shm…: an empty, writable tmpfs of this run's own, with only the paths it needs
    # bound back (its scratch folder, the data shared read-only by the grader)
    private = policy.get("private", {})
    for top, paths in private.items():
        if os.path.isdir(top) and not os.path.islink(top):
            _reveal_only(top, paths, options=f"size={policy.get('tmp_size', '1g')},mode=1777")
    for path in policy.get("hide", []):
        if os.path.islink(path) or not os.path.exists(path):
            continue
        if os.path.isdir(path):
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
            _mount("tmpfs", path, "tmpfs", flags, "size=4k,mode=0555")
        else:
            _mount("/dev/null", path, None, MS_BIND, None)
    if policy.get("readonly_root"):
        _set_readonly("/", True, recursive=True)
        tops = [top for top in private if os.path.isdir(top) and not os.path.islink(top)]
        for path in [scratch, *tops, *policy.get("writable", [])]:
            _set_readonly(path, False, recursive=False)
    os.chdir(scratch)  # the working folder was resolved before the mounts: resolve it again


def _reveal_only(top: str, paths: list[str], options: str = "size=64k,mode=0711") -> None:
    """Cover ``top`` with an empty tmpfs, then bind each of ``paths`` back at its own place."""
    keep = []
    for path in paths:
        flags = os.O_PATH | (os.O_DIRECTORY if os.path.isdir(path) else 0)
        keep.append((path, os.open(path, flags), os.path.isdir(path)))
    _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path, fd, is_dir in keep:
        if is_dir:
            os.makedirs(path, mode=0o711, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o711, exist_ok=True)
            open(path, "a").close()
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
        os.close(fd)


def drop_privileges(policy: dict, ident: int | None = None) -> None:
    """Root grader: become the run's own uid/gid and give it the scratch folder.

    ``ident``: the private uid to take (default: PRIVATE_ID_BASE + this pid; a process in a
    pid namespace of its own must be given one, its pid there is not unique)."""
    user = policy.get("user")
    if not user or os.getuid() != 0:
        return
    if user == "nobody":
        ident = NOBODY
    elif ident is None:
        ident = PRIVATE_ID_BASE + os.getpid()
    for folder, _, files in os.walk(policy["scratch"]):
        os.chown(folder, ident, ident)
        for name in files:
            os.chown(os.path.join(folder, name), ident, ident, follow_symlinks=False)
    os.setgroups([])
    os.setgid(ident)
    os.setuid(ident)
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise SandboxFailed("the run could take root back after dropping it")


# -- probe ------------------------------------------------------------------------------------
def _try_in_child(step) -> str:
    """Run ``step()`` in a forked child; '' when it worked, else the reason."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            step()
            message = b""
        except BaseException as exc:  # noqa: BLE001 - everything is a 'no'
            message = f"{type(exc).__name__}: {exc}".encode()[:500] or b"failed"
        os.write(write, message or b"")
        os._exit(0 if not message else 1)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 4096):
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0 and not text:
        text = "the probe process failed"
    return text


def probe(scratch: str) -> dict:
    """What this machine lets a run do, each mechanism tried on its own."""
    root = os.getuid() == 0
    report: dict = {"root": root, "platform": sys.platform}
    if not sys.platform.startswith("linux"):
        return report
    userns = not root

    def network():
        enter_namespaces({"network": True, "userns": userns})
        import socket

        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("1.1.1.1", 53)) == 0:
                raise SandboxFailed("a connection still went out")

    def mounts():
        enter_namespaces({"mounts": True, "ipc": True, "pid": True, "userns": userns})
        policy = {"mounts": True, "scratch": scratch, "readonly_root": True}
        arrange_mounts(policy)
        probe_file = os.path.join(scratch, "probe")
        _write(probe_file, "ok")
        os.unlink(probe_file)

    def private_user():
        drop_privileges({"user": "private", "scratch": scratch})

    report["network"] = _try_in_child(network)
    report["mounts"] = _try_in_child(mounts)
    report["private_user"] = _try_in_child(private_user) if root else "not root"
    report["nobody"] = (
        _try_in_child(lambda: drop_privileges({"user": "nobody", "scratch": scratch}))
        if root
        else "not root"
    )
    return report


def main(argv: list[str]) -> None:
    if argv[:1] == ["--probe"] and len(argv) == 2:
        print(json.dumps(probe(argv[1])))
        return
    print(
        "usage: python -m tp_helpers.grading.engine.child.confine --probe FOLDER", file=sys.stderr
    )
    sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
