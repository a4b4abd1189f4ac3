// shopauth pages: the copy buttons of the secrets shown once. Served as a static asset
// (Content-Security-Policy script-src 'self'); the pages work without it.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy') || '');
  if (!source) return;
  const text = source.textContent || '';
  const done = () => {
    const status = document.getElementById(`${source.id}-status`);
    if (status) status.textContent = button.getAttribute('data-copied') || 'Copied';
  };
  if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, () => {});
});
