"""Networks as people have them, for the tests: network namespaces of the tests' own
(``namespace``), a userspace relay that delays and drops (``delay``), and Chromium started
inside a namespace (``chromium``)."""
