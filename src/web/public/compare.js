// Before/after views of a result: a slider over two images, or two players for videos.
import { el } from './dom.js';

/** Before/after: the original over the result, cut at the slider's position. */
export function compareImages(beforeUrl, afterUrl) {
  const before = el('img', { src: beforeUrl, alt: 'original', class: 'before' });
  const after = el('img', { src: afterUrl, alt: 'anonymized', class: 'after' });
  const slider = el('input', {
    type: 'range',
    min: 0,
    max: 100,
    value: 50,
    'aria-label': 'compare original and anonymized',
  });
  const divider = el('div', { class: 'divider' });
  const place = () => {
    before.style.clipPath = `inset(0 ${100 - slider.value}% 0 0)`;
    divider.style.left = `${slider.value}%`;
  };
  slider.addEventListener('input', place);
  place();
  return el(
    'div',
    { class: 'compare' },
    el('div', { class: 'frame' }, after, before, divider),
    slider,
    el(
      'div',
      { class: 'row spread muted' },
      el('span', {}, '← original'),
      el('span', {}, 'anonymized →'),
    ),
  );
}
