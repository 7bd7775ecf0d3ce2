"""One exception type for bad input; the CLI turns it into a one-line message and exit status 2."""


class InputError(ValueError):
    """Raised for malformed games, policies, graphs or arguments.

    The message is a single line that names what is wrong, e.g.
    ``gamma must lie in [0, 1), got 1.0``.
    """
