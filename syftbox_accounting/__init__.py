"""Pay and get paid for AI services on the SyftBox network."""

from syftbox_accounting._version import __version__

__all__ = ["__version__"]
