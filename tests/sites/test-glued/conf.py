extensions = ["myst_nb", "flowdocs.sphinxext"]
nb_execution_mode = "off"
locale_dirs = ["locale"]
gettext_compact = False
suppress_warnings = ["mystnb.glue_ref"]
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build"]
