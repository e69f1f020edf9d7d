"""The training loop behind ``Model.fit``/``evaluate``/``predict`` and its data handling."""
