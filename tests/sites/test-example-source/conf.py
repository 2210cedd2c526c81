from pathlib import Path

extensions = ["flowdocs.sphinxext"]
flowdocs_examples_dir = str(Path(__file__).parent / "examples")
