"""The site builder: execute the pages once, record them, build every language."""
