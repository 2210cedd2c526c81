// Remember the language a reader picks, so the site's root page opens it next time.
document.addEventListener("click", (event) => {
  const link = event.target.closest(".flowdocs-languages a[data-language]");
  if (link) {
    try { localStorage.setItem("flowdocs-language", link.dataset.language); } catch (e) {}
  }
});
