// The report's embed snippets (site/components/CopyScript.astro): shows the copy buttons and puts the page's
// origin in front of root-relative URLs (`data-origin`), so pasted snippets work on another site. A file,
// not an inline script: the Content-Security-Policy allows scripts from 'self' only (site/public/_headers).
for (const t of document.querySelectorAll('textarea[data-origin]')) {
  t.value = t.value.replace(/(^|")\/(api|embed)\//g, (_m, p, k) => `${p}${location.origin}/${k}/`)
}
for (const b of document.querySelectorAll('button[data-copy]')) {
  b.hidden = false
  b.addEventListener('click', () => {
    const t = document.getElementById(b.dataset.copy)
    const done = (ok) => {
      b.textContent = ok ? 'Copied' : 'Press Ctrl+C'
      setTimeout(() => {
        b.textContent = 'Copy'
      }, 1500)
    }
    t.select()
    if (navigator.clipboard) {
      navigator.clipboard.writeText(t.value).then(
        () => done(true),
        () => done(false),
      )
    } else {
      done(false)
    }
  })
}
