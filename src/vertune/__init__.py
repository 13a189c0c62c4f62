"""vertune: adapt a pre-trained language model to one industry's data.

Every CLI verb is a function in :mod:`vertune.api`; import from there.
"""

__version__ = "0.1.0"
