"""``fastheat.view`` in a notebook: an anywidget that shows the viewer.

The widget starts the viewer's server in the kernel's process (bound to
127.0.0.1, with its own token; nothing for the user to start) and its
front-end shows that page in an iframe. The server stops when the widget is
closed or garbage-collected. The notebook's browser must reach the kernel's
127.0.0.1 (a local Jupyter, VS Code): a remote kernel (JupyterHub, Colab)
needs ``fastheat serve`` behind the hub's proxy instead.
"""
from __future__ import annotations

import weakref

from ..._extras import require

ESM = """
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.className = "fastheat-viewer";
  frame.style.width = "100%";
  frame.style.border = "1px solid #ddd";
  const update = () => {
    frame.src = model.get("url");
    frame.style.height = model.get("height") + "px";
  };
  update();
  model.on("change:url", update);
  model.on("change:height", update);
  el.appendChild(frame);
  return () => frame.remove();
}
export default { render };
"""


def viewer_widget(data, *, height=600, **kwargs):
    """An anywidget showing the viewer of ``data`` (``kwargs``: the server's
    options: cmap, norm, vmin, vmax, reduce, ...)."""
    anywidget = require("anywidget", "fastheat.view in a notebook", "viewer")
    traitlets = require("traitlets", "fastheat.view in a notebook", "viewer")
    from .server import ViewerServer

    class ViewerWidget(anywidget.AnyWidget):
        _esm = ESM
        url = traitlets.Unicode("").tag(sync=True)
        height = traitlets.Int(600).tag(sync=True)

        def close(self):
            server = getattr(self, "server", None)
            if server is not None:
                server.close()
                self.server = None
            super().close()

    server = ViewerServer(data, **kwargs).start()
    widget = ViewerWidget(url=server.url, height=int(height))
    widget.server = server
    weakref.finalize(widget, server.close)
    return widget


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (the notebook, VS Code, JupyterLab)."""
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")
