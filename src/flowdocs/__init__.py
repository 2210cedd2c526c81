"""flowdocs: the small library the lessons and the site share."""
