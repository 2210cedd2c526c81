extensions = ["myst_nb", "flowdocs.sphinxext"]
nb_execution_mode = "off"
