"""Interactive widgets (anywidget: a Python half and an ES-module half).

:class:`Playground` is the book's centrepiece (chapter 1): click to add
points, watch KNN shade the plane. Needs the ``teaching`` extras
(``anywidget``, ``matplotlib`` for the static twin figures).
"""

from .playground import PLAYGROUND_METRICS, Playground, plot_playground, predict_cells, predict_grid

__all__ = ["PLAYGROUND_METRICS", "Playground", "plot_playground", "predict_cells", "predict_grid"]

# The reusable interactive figure (chapters 2 to 10): knnlib/widgets/figure.py.
from .figure import Dropdown, InteractiveFigure, Slider, Toggle, interactive_figure  # noqa: E402

__all__ += ["Dropdown", "InteractiveFigure", "Slider", "Toggle", "interactive_figure"]
