// The Veil page: key in localStorage, balance, drag and drop, block upload to the SAS URL,
// cost and approval, live progress, before/after, download, delete. No framework, no build.
import { api, setApiKey } from './api.js';
import { compareImages } from './compare.js';
import { el } from './dom.js';
import { uploadBlocks } from './upload.js';

const $ = (id) => document.getElementById(id);
const KEY = 'veil.apiKey';
const FINAL = [5, 6, 7, 8];
const IMAGE = /\.(jpe?g|png|bmp)$/i;
const VIDEO = /\.(mp4|mkv|webm|ts|mov|avi|mts)$/i;

const state = { key: localStorage.getItem(KEY) ?? '', items: [] };
// `?upload_attempts=N` changes how often a block is tried before the page offers to resume.
const uploadAttempts = Number(new URLSearchParams(location.search).get('upload_attempts')) || 6;

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function showMessage(text) {
  const box = $('message');
  box.textContent = text ?? '';
  box.hidden = !text;
}

async function refreshBalance() {
  const out = $('balance');
  if (!state.key) {
    out.textContent = 'No key saved yet.';
    return;
  }
  try {
    const { body } = await api('/credits?limit=1');
    out.textContent =
      body.available === body.balance
        ? `Balance: ${plural(body.balance, 'credit')}`
        : `Balance: ${plural(body.balance, 'credit')} (${body.available} not yet promised to running jobs)`;
    out.className = '';
  } catch (err) {
    out.textContent = err.message;
    out.className = 'error';
  }
}

async function refreshJobs() {
  const list = $('jobs');
  if (!state.key) return list.replaceChildren();
  try {
    const { body } = await api('/jobs?limit=10');
    list.replaceChildren(
      ...body.jobs.map((j) =>
        el(
          'li',
          {},
          el('span', { class: 'name' }, j.file_name),
          el('span', { class: `status s${j.job_status}` }, j.job_status_description),
          el('span', { class: 'muted' }, plural(j.job_total_credit_cost, 'credit')),
        ),
      ),
    );
    if (!body.jobs.length) list.append(el('li', { class: 'muted' }, 'No jobs yet.'));
  } catch (err) {
    list.replaceChildren(el('li', { class: 'error' }, err.message));
  }
}

function readOptions() {
  const model = document.querySelector('input[name=model]:checked').value;
  const config = {
    blur_face: $('blur-face').checked,
    enable_lp: $('enable-lp').checked,
    slicing: $('slicing').checked,
    mask_blur: $('mask-blur').checked,
    lp_track: $('lp-track').checked,
    lp_syntonymize: $('lp-syn').checked,
    blur_threshold: Number($('blur-threshold').value),
  };
  if ($('style').value !== 'blur') config.style = $('style').value;
  return { model, config };
}

/** One file: its card, job and state. */
function createItem(file) {
  const item = { file, jobId: null, report: null, done: false, deleted: false };
  item.sentBlocks = new Set();
  item.status = el('p', { class: 'status-line' }, 'Waiting to upload…');
  item.bar = el('progress', { max: 1, value: 0, 'aria-label': `progress of ${file.name}` });
  item.percent = el('span', { class: 'percent' }, '');
  item.error = el('p', { class: 'error', hidden: true });
  item.preview = el('div', { class: 'preview' });
  item.approveBtn = el(
    'button',
    { type: 'button', hidden: true, onclick: () => approve(item) },
    'Approve',
  );
  item.downloads = el('span', { class: 'downloads' });
  item.resumeBtn = el(
    'button',
    { type: 'button', hidden: true, onclick: () => sendFile(item) },
    'Resume upload',
  );
  item.deleteBtn = el(
    'button',
    { type: 'button', class: 'secondary', hidden: true, onclick: () => removeJob(item) },
    'Delete job',
  );
  item.card = el(
    'article',
    { class: 'card file' },
    el(
      'div',
      { class: 'row spread' },
      el('h3', {}, file.name),
      el('span', { class: 'muted' }, formatBytes(file.size)),
    ),
    item.status,
    el('div', { class: 'row bar' }, item.bar, item.percent),
    item.error,
    item.preview,
    el(
      'div',
      { class: 'row actions' },
      item.approveBtn,
      item.resumeBtn,
      item.downloads,
      item.deleteBtn,
    ),
  );
  $('files').prepend(item.card);
  state.items.push(item);
  return item;
}

function setProgress(item, fraction, text) {
  item.bar.value = fraction;
  item.percent.textContent = `${Math.round(fraction * 100)}%`;
  if (text) item.status.textContent = text;
}

function fail(item, message) {
  item.error.textContent = message;
  item.error.hidden = false;
  item.deleteBtn.hidden = !item.jobId;
  updateBulk();
}

async function start(file) {
  const item = createItem(file);
  if (file.size < 1000) {
    // create_upload_session takes files of 1000 bytes or more.
    return fail(item, 'This file is too small to be a photo or video (under 1000 bytes).');
  }
  const { model, config } = readOptions();
  try {
    const { body: session } = await api('/create_upload_session', {
      method: 'POST',
      json: {
        file_name: file.name,
        file_size: file.size,
        content_type: file.type || 'application/octet-stream',
        model,
        model_config: config,
      },
    });
    item.jobId = session.job_id;
    item.card.dataset.jobId = session.job_id;
    item.sessionUri = session.session_uri;
    item.deleteBtn.hidden = false;
    refreshJobs();
    await sendFile(item);
  } catch (err) {
    fail(item, err.message);
  }
}

/**
 * Sends the blocks not sent yet. After a failure that outlasts the retries, "Resume upload"
 * calls this again: blocks already in storage are kept there (uncommitted) and skipped.
 */
async function sendFile(item) {
  item.resumeBtn.hidden = true;
  item.error.hidden = true;
  setProgress(item, 0, 'Uploading…');
  try {
    await uploadBlocks(item.sessionUri, item.file, {
      done: item.sentBlocks,
      attempts: uploadAttempts,
      onProgress: (loaded, total) =>
        setProgress(
          item,
          total ? loaded / total : 1,
          `Uploading… ${formatBytes(loaded)} of ${formatBytes(total)}`,
        ),
      onRetry: (block, attempt) => {
        item.status.textContent = `Connection trouble; sending part ${block + 1} again (try ${attempt})…`;
      },
    });
  } catch (err) {
    item.resumeBtn.hidden = false;
    return fail(item, `Upload stopped: ${err.message}. Resume when the connection is back.`);
  }
  setProgress(item, 1, 'Uploaded. Checking the file and working out the cost…');
  poll(item);
}

function progressOf(report) {
  let done = 0;
  let total = 0;
  for (const t of report.tasks) {
    const p = t.progress ?? { done: 0, total: 1 };
    done += t.status === 'completed' ? p.total : p.done;
    total += p.total;
  }
  return total ? done / total : 0;
}

async function poll(item) {
  if (item.deleted) return;
  try {
    const { body: report } = await api(`/get_job_result/${item.jobId}`);
    item.report = report;
    render(item, report);
    if (FINAL.includes(report.job_status)) {
      item.done = true;
      refreshBalance();
      refreshJobs();
      return;
    }
  } catch (err) {
    item.status.textContent = `Could not read the job's status (${err.message}); trying again…`;
  }
  setTimeout(() => poll(item), 1000);
}

function render(item, report) {
  const s = report.job_status;
  const cost = plural(report.job_total_credit_cost, 'credit');
  item.approveBtn.hidden = s !== 2;
  if (s <= 1) item.status.textContent = 'Uploaded. Checking the file and working out the cost…';
  else if (s === 2) {
    item.status.textContent = `Ready. This will cost ${cost}. Approve to start.`;
    item.card.classList.add('awaiting');
  } else if (s === 3 || s === 4) {
    item.card.classList.remove('awaiting');
    setProgress(
      item,
      progressOf(report),
      s === 3 ? `Approved (${cost}); waiting for a worker…` : `Working… (${cost})`,
    );
  } else if (s === 5) {
    setProgress(item, 1, `Done. Cost ${cost}.`);
    showResult(item, report);
  } else {
    item.card.classList.remove('awaiting');
    const reasons = report.tasks.filter((t) => t.error).map((t) => `${t.file_name}: ${t.error}`);
    fail(
      item,
      `The job ${report.job_status_description}${reasons.length ? `: ${reasons.join('; ')}` : ''}. Nothing was charged.`,
    );
    item.status.textContent = '';
  }
  updateBulk();
}

function showResult(item, report) {
  item.downloads.replaceChildren();
  const found = report.tasks.filter((t) => t.faces !== null);
  if (found.length) {
    const faces = found.reduce((n, t) => n + t.faces, 0);
    const plates = found.reduce((n, t) => n + (t.plates ?? 0), 0);
    item.status.textContent += ` Hid ${plural(faces, 'face')} and ${plural(plates, 'plate')}.`;
  }
  for (const t of report.tasks) {
    if (t.download_link) {
      item.downloads.append(
        el(
          'a',
          {
            class: 'button',
            href: t.download_link,
            download: t.file_name,
            'data-download': t.file_name,
          },
          `Download ${t.file_name}`,
        ),
      );
    } else if (t.error) {
      item.downloads.append(el('p', { class: 'error' }, `${t.file_name}: ${t.error}`));
    }
  }
  if (report.archive_download_link) {
    item.downloads.append(
      el(
        'a',
        { class: 'button secondary', href: report.archive_download_link },
        'Download all as ZIP',
      ),
    );
  }
  const single = report.tasks.length === 1 ? report.tasks[0] : null;
  if (single?.download_link && IMAGE.test(item.file.name)) {
    item.preview.replaceChildren(
      compareImages(URL.createObjectURL(item.file), single.download_link),
    );
  } else if (single?.download_link && VIDEO.test(item.file.name)) {
    item.preview.replaceChildren(
      el(
        'div',
        { class: 'videos' },
        el(
          'figure',
          {},
          el('video', {
            src: URL.createObjectURL(item.file),
            controls: true,
            muted: true,
            playsinline: true,
          }),
          el('figcaption', {}, 'Original'),
        ),
        el(
          'figure',
          {},
          el('video', {
            src: single.download_link,
            controls: true,
            muted: true,
            playsinline: true,
          }),
          el('figcaption', {}, 'Anonymized'),
        ),
      ),
    );
  }
}

async function approve(item) {
  item.approveBtn.disabled = true;
  try {
    const { status } = await api(`/approve_job/${item.jobId}`, {
      method: 'POST',
      ok: [200, 201, 202, 302],
    });
    if (status === 302) item.status.textContent = 'Not ready yet; try again in a moment.';
    else item.status.textContent = 'Approved; starting…';
    item.error.hidden = true;
  } catch (err) {
    item.error.textContent = err.message;
    item.error.hidden = false;
  } finally {
    item.approveBtn.disabled = false;
  }
}

async function removeJob(item) {
  if (!item.jobId) return item.card.remove();
  try {
    await api(`/delete_job/${item.jobId}`, { method: 'DELETE' });
    item.deleted = true;
    item.card.remove();
    state.items = state.items.filter((i) => i !== item);
    updateBulk();
    refreshJobs();
    refreshBalance();
  } catch (err) {
    item.error.textContent = `Could not delete: ${err.message}`;
    item.error.hidden = false;
  }
}

function updateBulk() {
  const awaiting = state.items.filter((i) => i.report?.job_status === 2);
  const finished = state.items.filter((i) => i.report?.job_status === 5);
  $('approve-all').hidden = awaiting.length < 2;
  $('download-all').hidden = finished.length < 2;
  $('bulk').hidden = awaiting.length < 2 && finished.length < 2;
}

function handleFiles(files) {
  showMessage('');
  if (!state.key) return showMessage('Paste your API key above and press Save first.');
  for (const file of files) start(file);
}

function init() {
  setApiKey(state.key);
  $('api-key').value = state.key;
  $('save-key').addEventListener('click', () => {
    state.key = $('api-key').value.trim();
    setApiKey(state.key);
    localStorage.setItem(KEY, state.key);
    refreshBalance();
    refreshJobs();
  });
  $('forget-key').addEventListener('click', () => {
    state.key = '';
    setApiKey('');
    $('api-key').value = '';
    localStorage.removeItem(KEY);
    refreshBalance();
    refreshJobs();
  });
  $('blur-threshold').addEventListener(
    'input',
    (ev) => ($('threshold-out').textContent = ev.target.value),
  );
  $('file-input').addEventListener('change', (ev) => {
    handleFiles([...ev.target.files]);
    ev.target.value = '';
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    handleFiles([...ev.dataTransfer.files]);
  });
  $('approve-all').addEventListener('click', () => {
    for (const item of state.items.filter((i) => i.report?.job_status === 2)) approve(item);
  });
  $('download-all').addEventListener('click', async () => {
    // One click per link, spaced out: browsers drop bursts of downloads.
    for (const a of document.querySelectorAll('a[data-download]')) {
      a.click();
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  });
  $('refresh-jobs').addEventListener('click', refreshJobs);
  refreshBalance();
  refreshJobs();
}

init();
