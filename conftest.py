"""Repository-wide pytest set-up, for `pytest` on tests/ and `pytest --nbval` on solutions/.

Nothing in the test suite may reach the network, and the Hugging Face libraries must know it
before they are imported (huggingface_hub reads these variables at import time). The notebook
kernels started by nbval inherit this environment, so the stored outputs of the solution
notebook, made with the offline profile, are compared with an offline run.
"""

import os

from tp_helpers.profiles import OFFLINE_ENV_VARS  # imports no Hugging Face library

for _var in OFFLINE_ENV_VARS:
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TP_PROFILE", "offline")
os.environ.setdefault("MPLBACKEND", "Agg")
