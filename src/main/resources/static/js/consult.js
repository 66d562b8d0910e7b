// The lawyer-facing page: ask, watch the answer stream in with its three reference articles,
// follow up in the same conversation, reopen earlier ones, search and read statutes.
// Everything the model or the corpus produced reaches the DOM as text (see dom.js).
import {el, append, clear, show} from './dom.js';
import {fetchJson, problemOf, readEvents, ProblemError} from './api.js';

const HISTORY_KEY = 'lawyerLlama.conversations';
const HISTORY_LIMIT = 50;
const $ = (id) => document.getElementById(id);

const state = {conversationId: null, turns: [], articles: [], articlesUnavailable: false, controller: null};

// ---- status line and field errors -------------------------------------------------------

function setStatus(text, kind = 'info') {
  const status = $('status');
  status.textContent = text || '';
  status.className = 'status' + (text ? ' status-' + kind : '');
}

function setQuestionError(text) {
  const error = $('question-error');
  error.textContent = text || '';
  show(error, Boolean(text));
  const question = $('question');
  if (text) {
    question.setAttribute('aria-invalid', 'true');
  } else {
    question.removeAttribute('aria-invalid');
  }
}

const KNOWN_DETAILS = [
  [/^question is required/, () => '请输入问题。'],
  [/^question is longer than (\d+)/, (m) => `问题过长，请控制在 ${m[1]} 字以内。`],
  [/^no conversation/, () => '该对话已不存在，请开始新对话。'],
];

function chineseDetail(problem) {
  const detail = (problem && problem.detail) || '';
  for (const [pattern, message] of KNOWN_DETAILS) {
    const match = detail.match(pattern);
    if (match) return message(match);
  }
  return detail;
}

/** Shows a failed request where the user looks for it: 400 next to the input, the rest in the status line. */
function showProblem(error) {
  const status = error.status;
  const problem = error.problem || {};
  const requestId = problem.requestId ? `（请求编号 ${problem.requestId}）` : '';
  if (status === 400 || status === 404 || status === 413) {
    setQuestionError(chineseDetail(problem) || '请求有误，请修改后重试。');
    setStatus('');
    $('question').focus();
  } else if (status === 429) {
    const wait = error.retryAfter || problem.retryAfter;
    setStatus(`模型正忙，请${wait ? ` ${wait} 秒后` : '稍后'}重试。${requestId}`, 'busy');
  } else if (status === 503) {
    const wait = error.retryAfter ? `约 ${error.retryAfter} 秒后` : '稍后';
    setStatus(`服务暂不可用（模型或法条检索未就绪），请${wait}重试。${requestId}`, 'error');
  } else if (status === 0) {
    setStatus('无法连接服务器，请检查网络后重试。', 'error');
  } else {
    setStatus(`出错了，请稍后重试。${requestId}`, 'error');
  }
}

// ---- rendering answers, citations and articles ---------------------------------------------

/** The answer as text nodes, each citation found in it linked (verified) or flagged (not found). */
function answerNodes(answer, citations) {
  const spans = [];
  for (const citation of citations || []) {
    if (!citation.text) continue;
    let from = 0;
    let index;
    while ((index = answer.indexOf(citation.text, from)) >= 0) {
      spans.push({start: index, end: index + citation.text.length, citation});
      from = index + citation.text.length;
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    nodes.push(answer.slice(at, span.start));
    nodes.push(citationNode(span.citation));
    at = span.end;
  }
  nodes.push(answer.slice(at));
  return nodes;
}

/** A citation's state: provided (given to the model), from-memory (real but not given), not-found or malformed. */
function citationStatus(citation) {
  if (citation.status) return citation.status;
  return citation.provided ? 'provided' : citation.verified ? 'from-memory' : 'not-found';
}

const CITATION_STATES = {
  'provided': {mark: '✓', label: '参考法条之一', title: '引用的是提供给模型的参考法条，已在法条库中核对，点击查看原文'},
  'from-memory': {mark: '?', label: '凭记忆引用', title: '法条库中有此条，但它不在提供给模型的参考法条中：模型凭记忆引用，未对照问题核对，点击查看原文'},
  'not-found': {mark: '✗', label: '未在法条库中找到', title: '未在法条库中找到'},
  'malformed': {mark: '✗', label: '条号格式错误', title: '条号无法识别'},
};

function citationNode(citation) {
  const status = citationStatus(citation);
  const state = CITATION_STATES[status] || CITATION_STATES['not-found'];
  if (citation.verified) {
    const link = el('a', {
      href: '#viewer', class: `citation verified ${status}`,
      title: state.title,
      dataset: {articleId: citation.articleId || '', status},
    }, citation.text, el('span', {class: 'mark', 'aria-label': `（${state.label}）`}, state.mark));
    link.addEventListener('click', (event) => {
      event.preventDefault();
      if (citation.articleId) openArticle(citation.articleId, link);
    });
    return link;
  }
  return el('span', {class: `citation unverified ${status}`, title: citation.reason ? `${state.title}：${citation.reason}` : state.title,
    dataset: {status}}, citation.text, el('span', {class: 'flag'}, state.label));
}

function citationLegend() {
  return el('p', {class: 'citation-legend'},
      ...['provided', 'from-memory', 'not-found', 'malformed'].map((s) =>
        el('span', {class: `legend-item ${s}`}, `${CITATION_STATES[s].mark} ${CITATION_STATES[s].label}`)));
}

function citationList(citations) {
  if (!citations || citations.length === 0) return null;
  return el('details', {class: 'citation-check'},
      el('summary', {}, `引用核对（${citations.length}）`),
      citationLegend(),
      el('ul', {}, citations.map((c) => {
        const status = citationStatus(c);
        const state = CITATION_STATES[status] || CITATION_STATES['not-found'];
        return el('li', {class: `${c.verified ? 'verified' : 'unverified'} ${status}`, dataset: {status}},
            `${state.mark} `, c.text, `：${state.label}`);
      })));
}

function articleTitle(article) {
  return `《${article.law}》${article.article}`;
}

function renderArticles(articles, unavailable) {
  const list = clear($('articles'));
  show($('articles-empty'), !unavailable && (!articles || articles.length === 0));
  show($('articles-unavailable'), Boolean(unavailable));
  (articles || []).forEach((article, i) => {
    const view = el('button', {type: 'button', class: 'link-button', 'aria-label': `查看全文：${articleTitle(article)}`},
        '查看全文');
    view.addEventListener('click', () => openArticle(article.id, view));
    list.append(el('li', {class: 'article', id: `ref-${i + 1}`, dataset: {articleId: article.id}},
        el('h3', {}, el('span', {class: 'law'}, `《${article.law}》`), el('span', {class: 'number'}, article.article)),
        el('p', {class: 'score'}, '相关度 ', el('span', {class: 'score-value'},
            typeof article.score === 'number' ? article.score.toFixed(2) : '—')),
        el('p', {class: 'article-text'}, article.text),
        view));
  });
}

/** One question and its answer; live and stored turns render through here alike. */
function renderTurn(turn, index) {
  const actions = el('div', {class: 'turn-actions', role: 'group', 'aria-label': '导出此回答'});
  const copy = el('button', {type: 'button'}, '复制');
  copy.addEventListener('click', () => copyTurn(turn));
  const download = el('button', {type: 'button'}, '导出 Markdown');
  download.addEventListener('click', () => downloadTurn(turn, index));
  const print = el('button', {type: 'button'}, '打印');
  print.addEventListener('click', () => window.print());
  append(actions, copy, download, print);
  return el('li', {class: 'turn', dataset: {turn: String(index)}},
      el('div', {class: 'question'}, el('span', {class: 'who'}, '问'), el('p', {}, turn.question)),
      el('div', {class: 'answer-block'}, el('span', {class: 'who'}, '答'),
          el('div', {class: 'answer'}, answerNodes(turn.answer || '', turn.citations))),
      citationList(turn.citations),
      actions);
}

function renderConversation() {
  const list = clear($('turns'));
  state.turns.forEach((turn, i) => list.append(renderTurn(turn, i)));
  renderArticles(state.articles, state.articlesUnavailable);
}

// ---- export --------------------------------------------------------------------------------

function markdownOf(turn) {
  const lines = ['# 法律咨询', '', '## 问题', '', turn.question, '', '## 回答', '', turn.answer || '', ''];
  const articles = turn.articles && turn.articles.length ? turn.articles : state.articles;
  if (articles && articles.length) {
    lines.push('## 参考法条', '');
    articles.forEach((a, i) => lines.push(`${i + 1}. ${articleTitle(a)}` +
        (typeof a.score === 'number' ? `（相关度 ${a.score.toFixed(2)}）` : '') + `：${a.text}`));
    lines.push('');
  }
  if (turn.citations && turn.citations.length) {
    lines.push('## 引用核对', '');
    turn.citations.forEach((c) => lines.push(`- ${c.text}：${(CITATION_STATES[citationStatus(c)] || CITATION_STATES['not-found']).label}`));
    lines.push('');
  }
  lines.push('> 本回答由模型自动生成，仅供参考，不构成律师意见。', '');
  return lines.join('\n');
}

async function copyTurn(turn) {
  try {
    await navigator.clipboard.writeText(markdownOf(turn));
    setStatus('已复制到剪贴板。');
  } catch (e) {
    setStatus('无法访问剪贴板，请改用“导出 Markdown”。', 'error');
  }
}

function downloadTurn(turn, index) {
  const blob = new Blob([markdownOf(turn)], {type: 'text/markdown;charset=utf-8'});
  const url = URL.createObjectURL(blob);
  const link = el('a', {href: url, download: `法律咨询-${state.conversationId || 'answer'}-${index + 1}.md`});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- conversations kept in this browser ----------------------------------------------------

function savedConversations() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]');
    return Array.isArray(list) ? list.filter((c) => c && typeof c.id === 'string') : [];
  } catch (e) {
    return [];
  }
}

function remember(id, title) {
  const list = savedConversations().filter((c) => c.id !== id);
  const existing = savedConversations().find((c) => c.id === id);
  list.unshift({id, title: (existing && existing.title) || title.slice(0, 40), updatedAt: new Date().toISOString()});
  localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_LIMIT)));
  renderHistory();
}

function forget(id) {
  localStorage.setItem(HISTORY_KEY, JSON.stringify(savedConversations().filter((c) => c.id !== id)));
  renderHistory();
}

function renderHistory() {
  const items = savedConversations();
  show($('history-empty'), items.length === 0);
  const list = clear($('history-list'));
  for (const item of items) {
    const open = el('button', {type: 'button', class: 'history-open', dataset: {conversationId: item.id},
      'aria-current': item.id === state.conversationId ? 'true' : null}, item.title || item.id);
    open.addEventListener('click', () => openConversation(item.id));
    const remove = el('button', {type: 'button', class: 'history-remove', 'aria-label': `从列表移除：${item.title}`}, '×');
    remove.addEventListener('click', () => forget(item.id));
    list.append(el('li', {}, open, remove));
  }
}

async function openConversation(id) {
  stopStreaming();
  setQuestionError('');
  setStatus('正在打开对话…');
  try {
    const conversation = await fetchJson(`/conversations/${encodeURIComponent(id)}`);
    state.conversationId = conversation.id;
    state.articles = conversation.articles || [];
    state.articlesUnavailable = false;
    state.turns = (conversation.turns || []).map((t) => ({...t}));
    renderConversation();
    if (state.turns.length) remember(conversation.id, state.turns[0].question || conversation.id);
    window.history.replaceState(null, '', `#c=${encodeURIComponent(conversation.id)}`);
    setStatus('');
    $('question').focus();
  } catch (error) {
    if (error instanceof ProblemError && error.status === 404) {
      forget(id);
      setStatus('该对话已不存在（可能已被删除），已从列表移除。', 'error');
    } else {
      showProblem(error);
    }
  }
}

function newConversation() {
  stopStreaming();
  state.conversationId = null;
  state.turns = [];
  state.articles = [];
  state.articlesUnavailable = false;
  renderConversation();
  renderHistory();
  window.history.replaceState(null, '', window.location.pathname);
  setQuestionError('');
  setStatus('');
  $('question').value = '';
  $('question').focus();
}

// ---- asking: the streamed turn ------------------------------------------------------------

function stopStreaming() {
  if (state.controller) {
    state.controller.abort();
    state.controller = null;
  }
}

function setBusy(busy) {
  $('ask').disabled = busy;
  show($('stop'), busy);
  $('turns').setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function ask(question) {
  setQuestionError('');
  const controller = new AbortController();
  state.controller = controller;
  setBusy(true);
  setStatus('正在检索相关法条…', 'waiting');

  const live = el('li', {class: 'turn live'},
      el('div', {class: 'question'}, el('span', {class: 'who'}, '问'), el('p', {}, question)),
      el('div', {class: 'answer-block'}, el('span', {class: 'who'}, '答'),
          el('div', {class: 'answer streaming', 'aria-live': 'off'})));
  const answer = live.querySelector('.answer');
  let added = false;
  let finished = false;

  try {
    const response = await fetch('/consult', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Accept': 'text/event-stream'},
      body: JSON.stringify({question, conversationId: state.conversationId || undefined}),
      signal: controller.signal,
    });
    if (!response.ok) throw await problemOf(response);
    $('turns').append(live);
    added = true;
    await readEvents(response, (name, data) => {
      if (name === 'articles') {
        if (!state.conversationId) {
          state.articles = data.articles || [];
          state.articlesUnavailable = Boolean(data.articlesUnavailable);
          renderArticles(state.articles, state.articlesUnavailable);
        }
        state.conversationId = data.conversationId;
        remember(data.conversationId, question);
        setStatus('正在生成回答…', 'streaming');
      } else if (name === 'token') {
        answer.append(document.createTextNode(data.text || ''));
      } else if (name === 'done') {
        finished = true;
        const turn = {question, answer: data.answer, articles: data.articles, citations: data.citations,
          usage: data.usage, timings: data.timings};
        state.turns.push(turn);
        state.conversationId = data.conversationId;
        live.replaceWith(renderTurn(turn, state.turns.length - 1));
        window.history.replaceState(null, '', `#c=${encodeURIComponent(data.conversationId)}`);
        renderHistory();
        setStatus(`回答完成（${((data.timings && data.timings.totalMs) || 0) / 1000} 秒）。`, 'done');
      } else if (name === 'error') {
        finished = true;
        throw new ProblemError(data.status || 500, data, data.retryAfter);
      }
    }, controller.signal);
    if (!finished && !controller.signal.aborted) {
      throw new ProblemError(500, {detail: 'stream ended early'});
    }
    $('question').value = '';
  } catch (error) {
    if (controller.signal.aborted) {
      setStatus('已停止生成。');
      if (added) live.classList.add('stopped');
    } else {
      if (added && !finished) live.classList.add('failed');
      if (added && finished) live.remove();
      showProblem(error instanceof ProblemError ? error : new ProblemError(0, null));
    }
  } finally {
    if (state.controller === controller) state.controller = null;
    setBusy(false);
  }
}

// ---- statute search and the article viewer ------------------------------------------------

let viewerReturnFocus = null;

async function openArticle(id, returnFocus) {
  viewerReturnFocus = returnFocus || null;
  const viewer = $('viewer');
  $('viewer-title').textContent = '法条';
  $('viewer-meta').textContent = '正在加载…';
  $('viewer-text').textContent = '';
  show(viewer, true);
  viewer.focus();
  try {
    const article = await fetchJson(`/articles/${encodeURIComponent(id)}`);
    $('viewer-title').textContent = `《${article.law}》${article.article}`;
    $('viewer-meta').textContent = [article.lawTitle, article.version, article.current ? '现行有效' : '非现行版本']
        .filter(Boolean).join(' · ');
    $('viewer-text').textContent = article.text;
  } catch (error) {
    $('viewer-meta').textContent = error.status === 404 ? '法条库中没有这条法条。'
        : error.status === 503 ? '法条检索暂不可用，请稍后重试。' : '无法加载该法条。';
  }
}

function closeArticle() {
  show($('viewer'), false);
  if (viewerReturnFocus && document.contains(viewerReturnFocus)) viewerReturnFocus.focus();
}

async function search(q) {
  const results = clear($('search-results'));
  const error = $('search-error');
  show(error, false);
  if (!q.trim()) {
    error.textContent = '请输入检索词。';
    show(error, true);
    return;
  }
  results.setAttribute('aria-busy', 'true');
  try {
    const response = await fetchJson(`/articles/search?q=${encodeURIComponent(q)}&k=10`);
    if (response.hits.length === 0) {
      results.append(el('li', {class: 'muted'}, '没有找到相关法条。'));
    }
    for (const hit of response.hits) {
      const article = hit.article;
      const open = el('button', {type: 'button', class: 'link-button'}, `《${article.law}》${article.article}`);
      open.addEventListener('click', () => openArticle(article.id, open));
      results.append(el('li', {}, open, el('span', {class: 'excerpt'}, article.text.length > 60
          ? article.text.slice(0, 60) + '…' : article.text)));
    }
  } catch (e) {
    error.textContent = e.status === 503 ? '法条检索暂不可用，请稍后重试。'
        : e.status === 400 ? (chineseDetail(e.problem) || '检索词有误。') : '检索失败，请稍后重试。';
    show(error, true);
  } finally {
    results.removeAttribute('aria-busy');
  }
}

// ---- wiring ---------------------------------------------------------------------------------

function start() {
  $('ask-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.controller) return;
    ask($('question').value.trim());
  });
  $('question').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $('ask-form').requestSubmit();
    }
  });
  $('question').addEventListener('input', () => setQuestionError(''));
  $('stop').addEventListener('click', stopStreaming);
  $('new-conversation').addEventListener('click', newConversation);
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    search($('search-q').value);
  });
  $('viewer-close').addEventListener('click', closeArticle);
  $('viewer').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeArticle();
  });
  renderHistory();
  // #c=ID opens a stored conversation: a shared link, a bookmark, back and forward.
  const openFromHash = () => {
    const match = window.location.hash.match(/^#c=([A-Za-z0-9_-]+)$/);
    if (match && match[1] !== state.conversationId) openConversation(match[1]);
  };
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  document.body.dataset.ready = 'true';
}

start();
