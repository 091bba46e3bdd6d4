"""Helpers shared by the TP7 notebooks (question answering with a pretrained transformer).

Importing this package is cheap and imports no Hugging Face library: the offline profile must be
able to switch those libraries to offline mode before they are first imported.
"""

from .errors import ProfileError, ResourceError, TPError
from .profiles import Profile, get_profile

__all__ = ["Profile", "ProfileError", "ResourceError", "TPError", "get_profile"]
__version__ = "0.1.0"
