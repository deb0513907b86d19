"""watchkeeper: spots the warning signs of online child grooming and alerts moderators."""

__version__ = "0.1.0"
