"""What a person sees: pictures of the regions (``plot``, needs matplotlib) and the CSV/Markdown
tables the scripts write (``tables``).

Import rule: report/ may import ``analysis``, ``nets``, ``result`` and ``errors``; never ``cli``
(checked by ``tests/test_layout.py``). Nothing is re-exported, so matplotlib loads only when a
plot is drawn.
"""
