"""Korean search: Sphinx has no Korean search language, so give it one.

Korean attaches particles to words (텐서를, 텐서는, 텐서의), and splitting on spaces would
index 텐서를 as one word that a search for 텐서 never finds. This splitter indexes every
Hangul run as overlapping character bigrams (텐서를 -> 텐서, 서를) and the browser splits the
query the same way, so a search for 텐서 finds a page that only says 텐서를. Other scripts
(English words, code names) are kept as lower-case words.
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx
from sphinx.search import SearchLanguage

HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
_hangul_run = re.compile(f"([{HANGUL}]+)")
_all_hangul = re.compile(f"[{HANGUL}]+")


def bigrams(run: str) -> list[str]:
    """Overlapping two-character pieces of a Hangul run; a single syllable stays whole."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    js_splitter_code = f"""
function splitQuery(query) {{
  const tokens = [];
  for (const word of query.split(/[^\\p{{L}}\\p{{N}}_]+/u)) {{
    for (const part of word.split(/([{HANGUL}]+)/)) {{
      if (!part) continue;
      if (/^[{HANGUL}]+$/.test(part)) {{
        if (part.length === 1) tokens.push(part);
        for (let i = 0; i + 1 < part.length; i++) tokens.push(part.slice(i, i + 2));
      }} else {{
        tokens.push(part);
      }}
    }}
  }}
  return tokens;
}}
"""

    def split(self, input: str) -> list[str]:
        tokens = []
        for word in self._word_re.findall(input):
            for part in filter(None, _hangul_run.split(word)):
                tokens += bigrams(part) if _all_hangul.fullmatch(part) else [part]
        return tokens

    def stem(self, word: str) -> str:
        return word.lower()  # the browser lower-cases the query; the index must match


def setup(app: Sphinx) -> None:
    app.add_search_language(SearchKorean)
