extensions = ["myst_nb", "flowdocs.sphinxext"]
nb_execution_mode = "off"
locale_dirs = ["locale"]
gettext_compact = False
exclude_patterns = ["_build"]
