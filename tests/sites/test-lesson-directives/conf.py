from pathlib import Path

extensions = ["myst_parser", "sphinx_design", "flowdocs.sphinxext"]
flowdocs_examples_dir = str(Path(__file__).parent / "examples")
flowdocs_repository = "https://example.org/flowdocs"
# Its own mapping: Sphinx adds parsers' suffixes to the default dict in place, so a myst-nb site
# built earlier in the same test process would otherwise claim .md here too.
source_suffix = {".md": "markdown"}
