"""The interactive viewer: ``fastheat.view``, ``fastheat serve``, ``fastheat tiles``.

A deep-zoom pyramid over any source (:mod:`.core`), shown by OpenSeadragon
(vendored in ``static/``, no CDN) from a local server (:mod:`.server`), a
notebook widget (:mod:`.widget`) or static files (:mod:`.tiles`).
"""
