extensions = ["myst_parser", "flowdocs.sphinxext"]
myst_enable_extensions = ["dollarmath", "amsmath"]
# Its own mapping: Sphinx adds parsers' suffixes to the default dict in place, so a myst-nb site
# built earlier in the same test process would otherwise claim .md here too.
source_suffix = {".md": "markdown"}
