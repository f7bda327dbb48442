"""The release, in a module of its own so that any stage can name it without importing the
package's ``__init__`` (which reaches back to the library entry point)."""

__version__ = "0.1.0"
