// Copy buttons: a button with data-copy="input id" copies that input's value.

// Copy an input's value to the clipboard, falling back to selection on plain http.
export async function copyFrom(input, statusEl) {
  input.select();
  let done = false;
  try {
    await navigator.clipboard.writeText(input.value);
    done = true;
  } catch {
    done = document.execCommand && document.execCommand('copy');
  }
  if (statusEl) statusEl.textContent = done ? 'Copied.' : 'Selected: press Ctrl+C to copy.';
}

export function wireCopyButtons(root = document, statusEl = null) {
  root.addEventListener('click', (event) => {
    const button = event.target.closest('[data-copy]');
    if (!button) return;
    copyFrom(document.getElementById(button.dataset.copy),
      statusEl || button.closest('section, main').querySelector('.copied'));
  });
}
