"""The integrity guard: inside each snapshot, it tells whether a run patched what the checks use.

It is never imported in the zygote: the grader reads this file's text and sends it in the
zygote's config, and a snapshot executes it while it prepares, after the imports of its cell
(:meth:`.zygote.Zygote.install_guard`), so a submission that patches ``tp_helpers`` cannot patch
the guard first. :func:`install` keeps references to what the checks rely on:

* ``builtins`` (``print``, ``AssertionError``, ``isinstance``…) and the interpreter hooks
  (``sys.stdout``/``stderr``, ``displayhook``, ``excepthook``, trace and profile functions);
* every ``tp_helpers`` module (the check modules are imported first): each name, each function's
  code and defaults, each class's attributes, each module-level instance's attributes;
* the callables of the modules those import (``numpy``, ``itertools``…) and of ``warnings``;
* IPython's methods (class and instance), and event callbacks defined in cells;
* notebook names bound to those modules and objects (``checks`` → ``tp_helpers.checks.…``).

and registers ``check(nonce)`` under a module name that holds a random token. A run calls it
after the student's cell and after the last check (:class:`.supervisor.Run`); the answer is the
string ``TPGUARD <nonce> <json list of problems>``, which the run accepts only with the nonce it
asked with. New things (a module imported later, a new notebook name) are learnt the first time
they are seen; a changed or deleted one is reported. A check costs a few milliseconds (identity
comparisons, nothing is copied).

This is detection, not a jail: code running in the same process can defeat any in-process check
if it is written against this file. It catches the patches a submission makes to pass checks
(and makes them visible); hidden tests and the instructor's review of ``tampered`` do the rest.
"""

REGISTRY = "_tp_grading_guard_"
#: what the guard watches in every snapshot, what it imports first, and what it leaves alone
PROTECTED_PREFIXES = ("tp_helpers",)
PRELOADED = ("tp_helpers.checks",)
NOT_WATCHED = ("tp_helpers.grading",)
#: builtins that IPython sets or swaps around each execution
VOLATILE_BUILTINS = frozenset(
    {
        "_",
        "__",
        "___",
        "get_ipython",
        "exit",
        "quit",
        "display",
        "__IPYTHON__",
        "dreload",
        "input",
        "raw_input",
    }
)
SYS_HOOKS = (
    "stdout",
    "stderr",
    "stdin",
    "displayhook",
    "excepthook",
    "breakpointhook",
    "unraisablehook",
    "modules",
)
SHALLOW_ALWAYS = ("warnings",)
#: notebook names IPython rebinds itself (output history)
IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
_MISSING = object()


def install(token, prefixes=("tp_helpers",), preload=("tp_helpers.checks",), skip=()):
    """Import the check modules, take the baseline, register ``check``."""
    import importlib
    import json
    import pkgutil
    import sys
    import types

    for name in preload:
        try:
            package = importlib.import_module(name)
        except Exception:
            continue
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), name + "."):
            try:
                importlib.import_module(info.name)
            except Exception:
                pass

    def protected(name):
        return any(name == p or name.startswith(p + ".") for p in prefixes) and not any(
            name == s or name.startswith(s + ".") for s in skip
        )

    watch = _Watch(protected)

    def check(nonce):
        return f"TPGUARD {nonce} {json.dumps(list(dict.fromkeys(watch.problems())))}"

    holder = types.ModuleType(REGISTRY + token)
    holder.check = check
    sys.modules[REGISTRY + token] = holder


class _Watch:
    """References to everything watched, and the cheap comparisons that verify them."""

    def __init__(self, protected):
        import builtins
        import sys

        self.protected = protected
        self.entries = []  # (label, mapping, key, reference): mapping.get(key) must be reference
        self.parts = []  # (label, object, attribute, reference): for function code and defaults
        self.strict = []  # (label, mapping, keys): no key may be added
        self.modules = set()
        self.referenced = set()
        self.names = {}  # notebook name -> object
        self.module_count = -1
        for key, value in builtins.__dict__.items():
            if key not in VOLATILE_BUILTINS:
                self.entries.append((f"builtins.{key}", builtins.__dict__, key, value))
        for key in SYS_HOOKS:
            self.entries.append((f"sys.{key}", sys.__dict__, key, sys.__dict__.get(key)))
        self.trace = (sys.gettrace(), sys.getprofile())
        self.shell = _shell()
        self._watch_ipython()
        self._learn_modules()
        self.callbacks = self._cell_callbacks()
        self._learn_names()

    # -- what is watched ----------------------------------------------------------------------
    def _learn_modules(self):
        import sys
        import types

        if len(sys.modules) == self.module_count:
            return
        self.module_count = len(sys.modules)
        modules = dict(sys.modules)
        for name in SHALLOW_ALWAYS:
            if name in modules:
                self._watch_shallow(name, modules[name])
        for name, module in modules.items():
            if name in self.modules or not self.protected(name):
                continue
            if not isinstance(module, types.ModuleType):
                continue
            self.modules.add(name)
            self.entries.append((f"sys.modules[{name!r}]", sys.modules, name, module))
            namespace = vars(module)
            for key, value in list(namespace.items()):
                where = f"{name}.{key}"
                self.entries.append((where, namespace, key, value))
                self._function_parts(where, value)
                if isinstance(value, type) and value.__module__ == name:
                    self._watch_class(where, value)
                elif isinstance(value, types.ModuleType):
                    if not self.protected(value.__name__):
                        self._watch_shallow(value.__name__, value)
                elif _instance_of_protected(value, self.protected):
                    attrs = vars(value)
                    for attr, item in list(attrs.items()):
                        self.entries.append((f"{where}.{attr}", attrs, attr, item))
                    self.strict.append((where, attrs, frozenset(attrs)))
                else:
                    owner = getattr(value, "__module__", None)
                    if callable(value) and isinstance(owner, str) and owner in modules:
                        if not self.protected(owner):
                            self._watch_shallow(owner, modules[owner])

    def _watch_shallow(self, name, module):
        """A module the checks use: its callables and submodules, by identity."""
        import types

        if name in self.referenced or not isinstance(module, types.ModuleType):
            return
        self.referenced.add(name)
        namespace = vars(module)
        for key, value in list(namespace.items()):
            if callable(value) or isinstance(value, types.ModuleType):
                where = f"{name}.{key}"
                if name == "builtins" and key in VOLATILE_BUILTINS:
                    continue
                self.entries.append((where, namespace, key, value))
                self._function_parts(where, value)

    def _watch_class(self, where, cls):
        namespace = cls.__dict__
        for attr, item in list(namespace.items()):
            self.entries.append((f"{where}.{attr}", namespace, attr, item))
            self._function_parts(f"{where}.{attr}", getattr(item, "__func__", item))
        self.strict.append((where, namespace, frozenset(namespace)))

    def _function_parts(self, where, value):
        import types

        function = value
        for _ in range(3):  # a decorated function: its wrapper, then what it wraps
            if not isinstance(function, types.FunctionType):
                return
            for attr, label in (
                ("__code__", "the code of"),
                ("__defaults__", "the defaults of"),
                ("__kwdefaults__", "the keyword defaults of"),
            ):
                self.parts.append((f"{label} {where}", function, attr, getattr(function, attr)))
            function = getattr(function, "__wrapped__", None)

    def _watch_ipython(self):
        """IPython's methods, on their classes and as instance overrides."""
        shell = self.shell
        if shell is None:
            return
        methods = set()
        for cls in type(shell).__mro__:
            if cls is object:
                continue
            namespace = cls.__dict__
            for attr, item in list(namespace.items()):
                if callable(item) or isinstance(item, (staticmethod, classmethod)):
                    where = f"{cls.__module__}.{cls.__qualname__}.{attr}"
                    self.entries.append((where, namespace, attr, item))
                    methods.add(attr)
        own = vars(shell)
        for attr in methods:
            self.entries.append((f"get_ipython().{attr}", own, attr, own.get(attr, _MISSING)))

    def _cell_callbacks(self):
        events = getattr(self.shell, "events", None)
        found = set()
        for event, callbacks in list(getattr(events, "callbacks", {}).items()):
            for callback in callbacks:
                function = getattr(callback, "__func__", callback)
                if getattr(function, "__module__", None) == "__main__":  # defined in a cell
                    found.add((event, id(function)))
        return found

    def _learn_names(self):
        if self.shell is None:
            return
        for name, value in list(self.shell.user_ns.items()):
            if name in self.names or name.startswith("_") or name in IPYTHON_NAMES:
                continue
            if type(value).__name__ == "module":
                owner = getattr(value, "__name__", "")
            else:
                owner = getattr(value, "__module__", "")
            if isinstance(owner, str) and owner and self.protected(owner):
                self.names[name] = value

    # -- verification -------------------------------------------------------------------------
    def problems(self):
        import sys

        found = []
        for label, mapping, key, reference in self.entries:
            value = mapping.get(key, _MISSING)
            if value is not reference and not _same_method(value, reference):
                found.append(f"{label} was {'deleted' if value is _MISSING else 'replaced'}")
        for label, obj, attr, reference in self.parts:
            if getattr(obj, attr, _MISSING) is not reference:
                found.append(f"{label} was replaced")
        for label, mapping, keys in self.strict:
            if len(mapping) != len(keys) or mapping.keys() - keys:
                added = sorted(set(mapping) - keys)
                found.extend(f"{label}.{key} was added" for key in added)
        if (sys.gettrace(), sys.getprofile()) != self.trace:
            found.append("a trace or profile function was installed (sys.settrace/setprofile)")
        if self._cell_callbacks() - self.callbacks:
            found.append("an IPython event callback defined in a cell was registered")
        user_ns = self.shell.user_ns if self.shell is not None else {}
        for name, reference in self.names.items():
            if user_ns.get(name, _MISSING) is not reference:
                found.append(f"the notebook name {name!r} was rebound")
        self._learn_modules()
        self._learn_names()
        return found


def _same_method(value, reference):
    """Two bound methods of the same function and object (recreated on each access)."""
    return (
        getattr(value, "__func__", _MISSING) is getattr(reference, "__func__", None)
        and getattr(value, "__self__", _MISSING) is getattr(reference, "__self__", None)
        and hasattr(reference, "__func__")
    )


def _instance_of_protected(value, protected):
    import types

    kind = type(value)
    return (
        not isinstance(value, (type, types.ModuleType, types.FunctionType))
        and protected(getattr(kind, "__module__", "") or "")
        and hasattr(value, "__dict__")
    )


def _shell():
    import sys

    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None
