// The admin page: corpus import, training with a live loss chart, checkpoints, retrieval eval.
// Logged in by the form at /login (session cookie); every call sends the session's CSRF token.
import {el, clear, show} from './dom.js';
import {problemOf, readEvents, ProblemError} from './api.js';
import {LossChart} from './loss-chart.js';

const $ = (id) => document.getElementById(id);
let csrf = null;

// ---- calls to the admin API -----------------------------------------------------------------

function headers(extra = {}) {
  const h = {'X-Requested-With': 'XMLHttpRequest', ...extra};
  if (csrf) h[csrf.headerName] = csrf.token;
  return h;
}

async function call(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method, credentials: 'same-origin',
      headers: headers(body === undefined ? {} : {'Content-Type': 'application/json'}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ProblemError(0, {detail: '无法连接服务器'});
  }
  if (response.status === 401) {
    window.location.assign('/login');
    throw new ProblemError(401, {detail: '登录已过期'});
  }
  if (!response.ok) throw await problemOf(response);
  return response.status === 204 ? null : response.json();
}

function message(error) {
  if (error.status === 403) return '被拒绝：会话已过期或缺少 CSRF 令牌，请刷新页面。';
  if (error.status === 0) return '无法连接服务器。';
  const p = error.problem || {};
  const id = p.requestId ? `（请求编号 ${p.requestId}）` : '';
  return `${p.detail || p.title || `HTTP ${error.status}`}${id}`;
}

function setPageStatus(text, kind = 'info') {
  $('admin-status').textContent = text;
  $('admin-status').className = 'status' + (text ? ' status-' + kind : '');
}

function fieldError(id, text) {
  const node = $(id);
  node.textContent = text || '';
  show(node, Boolean(text));
}

function definitions(dl, pairs) {
  clear(dl);
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(el('dt', {}, term), el('dd', {dataset: {field: term}}, String(value)));
  }
}

// ---- corpus import ---------------------------------------------------------------------------

let importTimer = null;

function showImport(job) {
  show($('import-job'), true);
  $('import-id').textContent = job.id;
  const r = job.report || {};
  $('import-progress').value = job.state === 'succeeded' ? 1 : (job.progress || 0);
  definitions($('import-report'), [
    ['状态', stateName(job.state)],
    ['语料', job.corpus],
    ['文件', r.files],
    ['读取条文', r.articlesRead],
    ['待写入', r.articles],
    ['已处理', r.processed],
    ['新增', r.created],
    ['更新', r.updated],
    ['未变', r.unchanged],
    ['失败', r.failed],
    ['读取问题', r.readProblems ? r.readProblems.length : undefined],
    ['用时', r.durationMs ? `${(r.durationMs / 1000).toFixed(1)} 秒` : undefined],
    ['错误', job.error],
  ]);
  const failures = clear($('import-failures'));
  const items = [...(r.failures || []).map((f) => `${f.id}：${f.reason}`),
    ...(r.readProblems || []).slice(0, 20).map((p) => `${p.file}:${p.line}：${p.reason}`)];
  if (items.length) {
    failures.append(el('h4', {}, '失败与读取问题'), el('ul', {}, items.map((t) => el('li', {}, t))));
  }
}

const STATE_NAMES = {
  queued: '排队中', running: '进行中', succeeded: '已完成', failed: '失败', interrupted: '已中断',
  QUEUED: '排队中', RUNNING: '进行中', SUCCEEDED: '已完成', FAILED: '失败', CANCELLED: '已取消',
};
const stateName = (s) => STATE_NAMES[s] || s;

async function pollImport(id) {
  clearTimeout(importTimer);
  try {
    const job = await call('GET', `/admin/corpus/import/${encodeURIComponent(id)}`);
    showImport(job);
    if (['succeeded', 'failed', 'interrupted'].includes(job.state)) {
      $('import-start').disabled = false;
      loadImports();
    } else {
      importTimer = setTimeout(() => pollImport(id), 1000);
    }
  } catch (e) {
    fieldError('import-error', message(e));
    $('import-start').disabled = false;
  }
}

async function startImport(event) {
  event.preventDefault();
  fieldError('import-error', '');
  const path = $('import-path').value.trim();
  if (!path) {
    fieldError('import-error', '请输入服务器上的语料目录。');
    $('import-path').focus();
    return;
  }
  $('import-start').disabled = true;
  try {
    const job = await call('POST', '/admin/corpus/import', {path, reindex: $('import-reindex').checked});
    showImport(job);
    pollImport(job.id);
  } catch (e) {
    fieldError('import-error', message(e));
    $('import-start').disabled = false;
  }
}

async function loadImports() {
  try {
    const jobs = await call('GET', '/admin/corpus/import');
    const body = clear($('import-jobs'));
    for (const job of jobs.slice(0, 10)) {
      const r = job.report || {};
      body.append(el('tr', {}, el('td', {}, job.id), el('td', {}, stateName(job.state)), el('td', {}, job.corpus),
          el('td', {}, r.articles !== undefined ? `${r.processed}/${r.articles}，失败 ${r.failed}` : '')));
    }
  } catch (e) {
    setPageStatus(`导入任务列表：${message(e)}`, 'error');
  }
}

// ---- training ---------------------------------------------------------------------------------

const chart = new LossChart($('loss-chart'));

/**
 * The presets: "tiny" trains a small random-weight LLaMA (the tiny plan's shapes, the stories260K
 * tokenizer) through all five stages in minutes on a CPU — a demonstration of the pipeline.
 */
const PRESETS = {
  tiny: {planName: 'tiny', base: {init: 'random', hiddenSize: 64, intermediateSize: 172, numHiddenLayers: 2,
    numAttentionHeads: 4, numKeyValueHeads: 2, tokenizer: 'models/stories260K/tok512.bin'}},
  default: {planName: 'default'},
};
let runStream = null;
let currentRun = null;

function formatEta(seconds) {
  if (seconds === undefined || seconds === null) return undefined;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
  return `${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
}

function showRun(run) {
  currentRun = run;
  show($('training-run'), true);
  $('training-id').textContent = run.id;
  const ended = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.state);
  $('training-cancel').disabled = ended;
  $('training-start').disabled = !ended;
  $('training-progress').value = run.stageSteps ? run.step / run.stageSteps : (run.state === 'SUCCEEDED' ? 1 : 0);
  definitions($('training-status'), [
    ['状态', stateName(run.state)],
    ['计划', run.planName],
    ['阶段', run.stage ? `${run.stage}（${run.stageIndex + 1}/${run.stageCount}）` : undefined],
    ['步数', run.stageSteps ? `${run.step}/${run.stageSteps}` : undefined],
    ['tokens/s', typeof run.tokensPerSecond === 'number' ? run.tokensPerSecond.toFixed(0) : undefined],
    ['预计剩余', ended ? undefined : formatEta(run.etaSeconds)],
    ['训练损失', typeof run.trainLoss === 'number' ? run.trainLoss.toFixed(4) : undefined],
    ['验证损失', typeof run.validationLoss === 'number' ? run.validationLoss.toFixed(4) : undefined],
    ['检查点', run.finalCheckpoint || run.lastCheckpoint],
    ['错误', run.error],
  ]);
}

let lastStatusFetch = 0;

function updateRunFromStep(step) {
  if (!currentRun) return;
  // Step events carry loss and speed; the ETA comes with the run's status, fetched every few seconds.
  if (Date.now() - lastStatusFetch > 3000) {
    lastStatusFetch = Date.now();
    const id = currentRun.id;
    call('GET', `/admin/training/runs/${encodeURIComponent(id)}`)
        .then((run) => {
          if (currentRun && currentRun.id === id && !['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(currentRun.state)) {
            showRun({...currentRun, etaSeconds: run.etaSeconds, tokensPerSecond: run.tokensPerSecond, state: run.state});
          }
        })
        .catch(() => {});
  }
  showRun({...currentRun, stage: step.stage, step: step.step, stageSteps: step.steps, trainLoss: step.loss,
    tokensPerSecond: step.tokensPerSecond ?? currentRun.tokensPerSecond});
}

async function watchRun(id) {
  if (runStream) runStream.abort();
  const controller = new AbortController();
  runStream = controller;
  chart.reset();
  try {
    const response = await fetch(`/admin/training/runs/${encodeURIComponent(id)}/events`, {
      credentials: 'same-origin', headers: headers({Accept: 'text/event-stream'}), signal: controller.signal,
    });
    if (response.status === 401) {
      window.location.assign('/login');
      return;
    }
    if (!response.ok) throw await problemOf(response);
    await readEvents(response, (name, data) => {
      if (name === 'state') {
        showRun(data);
      } else if (name === 'stage') {
        chart.stage(data.stage, data.steps);
      } else if (name === 'step') {
        chart.add('train', data.stage, data.step, data.loss);
        updateRunFromStep(data);
      } else if (name === 'validation') {
        chart.add('validation', data.stage, data.step, data.loss);
        if (currentRun) showRun({...currentRun, validationLoss: data.loss});
      } else if (name === 'checkpoint') {
        loadCheckpoints();
      } else if (name === 'evaluation') {
        loadEvaluations();
      }
      $('loss-points').textContent = `（${chart.count('train')} 个训练点，${chart.count('validation')} 个验证点）`;
    }, controller.signal);
  } catch (e) {
    if (!controller.signal.aborted) setPageStatus(`训练事件流中断：${message(e)}`, 'error');
  }
  if (runStream === controller) {
    runStream = null;
    try {
      showRun(await call('GET', `/admin/training/runs/${encodeURIComponent(id)}`));
    } catch (e) {
      // the list below still shows it
    }
    loadRuns(false);
    loadCheckpoints();
    loadEvaluations();
  }
}

async function startTraining(event) {
  event.preventDefault();
  fieldError('training-error', '');
  clear($('training-problems'));
  let body;
  if ($('training-plan-name').value === 'custom') {
    try {
      body = JSON.parse($('training-plan-json').value);
    } catch (e) {
      fieldError('training-error', `计划 JSON 无法解析：${e.message}`);
      return;
    }
    if (!body || typeof body !== 'object' || (!body.plan && !body.planName)) body = {plan: body};
  } else {
    body = PRESETS[$('training-plan-name').value];
  }
  $('training-start').disabled = true;
  try {
    const run = await call('POST', '/admin/training/runs', body);
    showRun(run);
    watchRun(run.id);
    loadRuns(false);
  } catch (e) {
    fieldError('training-error', message(e));
    for (const p of (e.problem && e.problem.problems) || []) $('training-problems').append(el('li', {}, p));
    $('training-start').disabled = false;
  }
}

async function cancelTraining() {
  if (!currentRun) return;
  $('training-cancel').disabled = true;
  try {
    showRun(await call('POST', `/admin/training/runs/${encodeURIComponent(currentRun.id)}/cancel`));
    setPageStatus('已请求取消训练。');
  } catch (e) {
    setPageStatus(`取消失败：${message(e)}`, 'error');
  }
}

async function loadRuns(attach) {
  try {
    const runs = await call('GET', '/admin/training/runs');
    const body = clear($('training-runs'));
    for (const run of runs.slice(0, 10)) {
      body.append(el('tr', {}, el('td', {}, run.id), el('td', {}, run.planName || ''), el('td', {}, stateName(run.state)),
          el('td', {}, run.stage || '')));
    }
    const active = runs.find((r) => r.state === 'RUNNING' || r.state === 'QUEUED');
    if (attach && active) {
      showRun(active);
      watchRun(active.id);
    }
  } catch (e) {
    if (e.status === 404) {
      $('training-start').disabled = true;
      fieldError('training-error', '此服务未启用训练 API。');
    } else {
      setPageStatus(`训练列表：${message(e)}`, 'error');
    }
  }
}

// ---- checkpoints --------------------------------------------------------------------------------

async function loadCheckpoints() {
  try {
    const checkpoints = await call('GET', '/admin/checkpoints');
    const body = clear($('checkpoints'));
    if (checkpoints.length === 0) {
      body.append(el('tr', {}, el('td', {colspan: 4, class: 'muted'}, '暂无检查点。')));
    }
    for (const c of checkpoints) {
      const ref = `${c.run}/${c.name}`;
      const activate = el('button', {type: 'button', 'aria-label': `上线 ${ref}`}, '上线');
      activate.addEventListener('click', () => activateCheckpoint(ref, activate));
      body.append(el('tr', {}, el('td', {}, ref), el('td', {}, c.stage || ''), el('td', {}, c.step ?? ''),
          el('td', {}, activate)));
    }
  } catch (e) {
    $('checkpoints-message').textContent = e.status === 404 ? '此服务未启用训练 API。' : message(e);
  }
}

async function activateCheckpoint(ref, button) {
  button.disabled = true;
  $('checkpoints-message').textContent = `正在加载 ${ref}…`;
  try {
    await call('POST', '/admin/model/activate', {checkpoint: ref});
    $('checkpoints-message').textContent = `已上线：${ref}`;
  } catch (e) {
    $('checkpoints-message').textContent = `上线失败：${message(e)}`;
  } finally {
    button.disabled = false;
  }
}

// ---- model evaluation (per stage) ---------------------------------------------------------------

function evalCell(result) {
  if (!result) return el('td', {class: 'muted'}, '—');
  const pct = (v) => `${(v * 100).toFixed(1)}%`;
  const atChance = result.n === 0 || result.accuracyLow <= result.chance;
  return el('td', {class: atChance ? 'at-chance' : 'above-chance', dataset: {task: result.task},
    title: `n=${result.n}，随机水平 ${pct(result.chance)}`},
  `${atChance ? '≈ ' : ''}${pct(result.accuracy)}（${pct(result.accuracyLow)}–${pct(result.accuracyHigh)}）`,
  el('br'), el('small', {class: 'muted'}, `随机 ${pct(result.chance)}，n=${result.n}`));
}

async function loadEvaluations() {
  try {
    const data = await call('GET', '/admin/evaluations');
    const rows = [];
    for (const s of data.stages) rows.push({label: `${s.runId}/${s.stage}`, report: s.report});
    for (const j of data.jobs) {
      const name = j.checkpoint.split('/').slice(-3).join('/');
      rows.push({label: `${name}（单独评测，${j.state}）`, report: j.report});
    }
    const tasks = [];
    for (const r of rows) {
      for (const t of (r.report?.tasks || [])) if (!tasks.includes(t.task)) tasks.push(t.task);
    }
    const head = clear($('model-evals-head'));
    head.append(el('th', {scope: 'col'}, '运行/阶段'), ...tasks.map((t) => el('th', {scope: 'col'}, t)));
    const body = clear($('model-evals'));
    if (rows.length === 0) {
      body.append(el('tr', {}, el('td', {class: 'muted'}, '暂无评测。在计划的阶段中写 "evaluate"，或在上方单独评测一个检查点。')));
    }
    for (const r of rows) {
      const byTask = Object.fromEntries((r.report?.tasks || []).map((t) => [t.task, t]));
      body.append(el('tr', {}, el('th', {scope: 'row'}, r.label), ...tasks.map((t) => evalCell(byTask[t]))));
    }
  } catch (e) {
    $('model-evals-message').textContent = e.status === 404 ? '此服务未启用评测 API。' : message(e);
  }
}

async function startModelEval(event) {
  event.preventDefault();
  fieldError('model-eval-error', '');
  const checkpoint = $('model-eval-checkpoint').value.trim();
  const tasks = $('model-eval-tasks').value.split(/[,，\s]+/).filter(Boolean);
  const limit = Number($('model-eval-limit').value);
  if (!checkpoint || tasks.length === 0) {
    fieldError('model-eval-error', '请输入检查点和至少一个任务。');
    return;
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 100000) {
    fieldError('model-eval-error', '题数须为 1 到 100000 的整数。');
    return;
  }
  $('model-eval-start').disabled = true;
  try {
    let job = await call('POST', '/admin/evaluations', {checkpoint, tasks, limit});
    while (job.state === 'queued' || job.state === 'running') {
      $('model-evals-message').textContent = `评测中：${job.task || ''} ${job.done}/${job.total}`;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await call('GET', `/admin/evaluations/${encodeURIComponent(job.id)}`);
    }
    $('model-evals-message').textContent = `评测${job.state === 'succeeded' ? '完成' : `结束：${job.state} ${job.error || ''}`}`;
    await loadEvaluations();
  } catch (e) {
    fieldError('model-eval-error', message(e));
  } finally {
    $('model-eval-start').disabled = false;
  }
}

// ---- retrieval evaluation -----------------------------------------------------------------------

async function runEval(event) {
  event.preventDefault();
  fieldError('eval-error', '');
  const set = $('eval-set').value.trim();
  const k = $('eval-k').value.split(/[,，\s]+/).filter(Boolean).map(Number);
  if (!set) {
    fieldError('eval-error', '请输入评测集路径。');
    return;
  }
  if (k.some((v) => !Number.isInteger(v) || v < 1 || v > 20)) {
    fieldError('eval-error', 'k 值须为 1 到 20 的整数。');
    return;
  }
  $('eval-start').disabled = true;
  definitions($('eval-result'), [['状态', '评测中…']]);
  try {
    const r = await call('POST', '/admin/retrieval/eval', {set, k});
    const pct = (v) => `${(v * 100).toFixed(1)}%`;
    definitions($('eval-result'), [
      ['评测集', r.set], ['划分', r.split], ['问题数', r.questions],
      ...Object.entries(r.recallAtK || {}).map(([kk, v]) => [`recall@${kk}`, pct(v)]),
      ['hit@3', pct(r.hitAt3)], ['MRR', r.mrr.toFixed(3)],
      ['延迟 p50 / p99', `${r.latencyP50Ms.toFixed(1)} / ${r.latencyP99Ms.toFixed(1)} ms`],
      ['无法解析的标注', `${r.unresolvedGold}/${r.goldReferences}`],
    ]);
  } catch (e) {
    clear($('eval-result'));
    fieldError('eval-error', message(e));
  } finally {
    $('eval-start').disabled = false;
  }
}

// ---- wiring ---------------------------------------------------------------------------------------

async function start() {
  try {
    const response = await fetch('/csrf', {credentials: 'same-origin'});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    csrf = await response.json();
    $('logout-csrf').name = csrf.parameterName;
    $('logout-csrf').value = csrf.token;
  } catch (e) {
    setPageStatus('无法取得 CSRF 令牌，请刷新页面。', 'error');
  }
  $('import-form').addEventListener('submit', startImport);
  $('training-form').addEventListener('submit', startTraining);
  $('training-cancel').addEventListener('click', cancelTraining);
  $('checkpoints-refresh').addEventListener('click', loadCheckpoints);
  $('eval-form').addEventListener('submit', runEval);
  $('model-evals-refresh').addEventListener('click', loadEvaluations);
  $('model-eval-form').addEventListener('submit', startModelEval);
  window.addEventListener('resize', () => chart.draw());
  await Promise.all([loadImports(), loadRuns(true), loadCheckpoints(), loadEvaluations()]);
  document.body.dataset.ready = 'true';
}

start();
