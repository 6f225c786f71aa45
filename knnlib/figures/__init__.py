"""Chapter-specific figures and the small computations behind them.

One module per chapter topic (for example :mod:`knnlib.figures.distances`).
Every function here is a pure function of plain values: the computations are
tested with plain numbers, and the drawing functions take a matplotlib ``ax``
(or ``fig``) and return what they drew. Import a topic module directly::

    from knnlib.figures import distances
"""
