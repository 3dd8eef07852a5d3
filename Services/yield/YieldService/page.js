// The yield page's script (docs/yield.md, "The page"). It reads the REST API (/api/v1) with the read
// token kept in session storage and redraws when /page/events says cycles arrived. Every figure is
// the API's: the script only picks rows, formats numbers, bins cycle times and draws SVG.
'use strict';

(() => {
  const TOKEN_KEY = 'workcell-yield-read-token';
  const SVG = 'http://www.w3.org/2000/svg';
  const HOUR_MS = 3600 * 1000;
  const WINDOWS = { shift: 8 * HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS };
  const MIN_REFRESH_GAP_MS = 1000;
  const CYCLES_FOR_HISTOGRAM = 1000;
  const CYCLES_SHOWN = 25;

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    notice: null,
    refreshing: false,
    pending: false,
    lastRefreshAt: 0,
    timer: null,
    stream: null,
    loadedAt: null,
    charts: null,
  };

  const $ = (id) => document.getElementById(id);

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function authHeaders() {
    return state.token ? { Authorization: 'Bearer ' + state.token } : {};
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') search.append(key, value);
    }
    return search.toString();
  }

  async function api(path, params) {
    const url = params ? path + '?' + query(params) : path;
    let response;
    try {
      response = await fetch(url, { headers: authHeaders(), cache: 'no-store' });
    } catch (error) {
      throw new ApiError(0, 'unreachable', 'The yield service does not answer.');
    }
    if (!response.ok) {
      let body = {};
      try { body = await response.json(); } catch (error) { /* not JSON */ }
      const detail = body.error || {};
      throw new ApiError(response.status, detail.code || 'http_' + response.status, detail.message || response.statusText);
    }
    return response.json();
  }

  // ---- formatting -------------------------------------------------------------------------------

  function percent(value) {
    return value === null || value === undefined ? '—' : (value * 100).toFixed(1) + ' %';
  }
  function seconds(ms) {
    return ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1) + ' s';
  }
  function clock(iso) {
    return iso ? iso.slice(11, 19) : '';
  }
  function dayAndClock(iso) {
    return iso ? iso.slice(0, 10) + ' ' + iso.slice(11, 16) : '';
  }
  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svgElement(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- what the page shows ----------------------------------------------------------------------

  function setLive(text) {
    $('live').textContent = text;
  }

  function showBanner(text) {
    const banner = $('banner');
    banner.textContent = text || '';
    banner.hidden = !text;
  }

  function databaseProblem(reason) {
    const then = state.loadedAt
      ? 'The figures below are from ' + clock(state.loadedAt) + ' UTC; they update when it answers again.'
      : 'No figures can be shown until it answers.';
    showBanner('The yield database is unreachable' + (reason ? ' (' + reason + ')' : '') + '. ' + then);
  }

  function clearData() {
    for (const id of ['fig-yield', 'fig-fpy', 'fig-takt', 'fig-oee']) {
      $(id).textContent = '—';
      $(id).removeAttribute('data-value');
      $(id + '-sub').textContent = '';
    }
    for (const id of ['trend-chart', 'pareto-chart', 'histogram-chart']) $(id).replaceChildren();
    for (const id of ['model-table', 'cycles-table']) $(id).tBodies[0].replaceChildren();
    state.loadedAt = null;
    state.charts = null;
  }

  function showTokenPrompt(message) {
    if (state.stream) state.stream.abort();
    state.stream = null;
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearData();
    $('data').hidden = true;
    showBanner('');
    setLive('Token needed');
    $('token-form').hidden = false;
    const error = $('token-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('token-input').focus();
  }

  function tokenRefusal(error) {
    if (error.status === 401) return state.token ? 'The token was not accepted (401). Enter a read token.' : '';
    if (error.status === 403) return 'The token has no read scope (403). Enter a read token.';
    return null;
  }

  // ---- the window and the selection -------------------------------------------------------------

  function newestCycleAt(cells) {
    let newest = state.notice && state.notice.newest_cycle_at ? Date.parse(state.notice.newest_cycle_at) : NaN;
    for (const cell of cells) {
      const at = Date.parse(cell.last_cycle_at);
      if (!Number.isNaN(at) && (Number.isNaN(newest) || at > newest)) newest = at;
    }
    return Number.isNaN(newest) ? Date.now() : newest;
  }

  // The last shift of the plant calendar (the one holding the newest cycle), else the 8 hours up to
  // the newest cycle; 24 h and 7 days end at the newest cycle too, so a stopped cell still shows its last run.
  function currentWindow(cells) {
    const mode = $('window-select').value;
    const shift = state.notice && state.notice.shift;
    if (mode === 'shift' && shift) {
      return { from: shift.start, to: shift.end, label: 'Shift “' + shift.name + '”, ' + dayAndClock(shift.start) + ' to ' + dayAndClock(shift.end) + ' UTC' };
    }
    // One second past the newest cycle: the API prints times cut to the millisecond, so a cycle
    // stored at .705 s can read .704, and "to" is exclusive.
    const end = newestCycleAt(cells) + 1000;
    const from = new Date(end - WINDOWS[mode]).toISOString();
    const to = new Date(end).toISOString();
    return { from, to, label: dayAndClock(from) + ' to ' + dayAndClock(to) + ' UTC (up to the newest cycle)' };
  }

  function fillSelect(select, values, allLabel) {
    const chosen = select.value;
    const options = [element('option', { value: '' }, allLabel)].concat(values.map((value) => element('option', { value }, value)));
    select.replaceChildren(...options);
    select.value = values.includes(chosen) ? chosen : '';
  }

  function selection(cells) {
    fillSelect($('cell-select'), cells.map((cell) => cell.cell), 'All cells');
    const cell = $('cell-select').value;
    const row = cells.find((entry) => entry.cell === cell);
    fillSelect($('robot-select'), row ? row.robots : [], 'All robots');
    $('robot-select').disabled = !row;
    return { cell, robot: row ? $('robot-select').value : '' };
  }

  // ---- loading ----------------------------------------------------------------------------------

  function scheduleRefresh() {
    if (state.refreshing) { state.pending = true; return; }
    if (state.timer) return;
    const wait = Math.max(0, state.lastRefreshAt + MIN_REFRESH_GAP_MS - Date.now());
    state.timer = setTimeout(() => { state.timer = null; refresh(); }, wait);
  }

  async function refresh() {
    state.refreshing = true;
    state.lastRefreshAt = Date.now();
    try {
      await load();
      // The API answered: the database is there, whatever an older notice said.
      showBanner('');
    } catch (error) {
      const refusal = tokenRefusal(error);
      if (refusal !== null) { showTokenPrompt(refusal); return; }
      if (error.status === 503 || error.code === 'database_unavailable') {
        databaseProblem(error.message);
      } else if (error.status === 0) {
        showBanner('The yield service does not answer; retrying.');
      } else {
        showBanner('The yield API answered ' + error.status + ' ' + error.code + ': ' + error.message);
      }
    } finally {
      state.refreshing = false;
      if (state.pending) { state.pending = false; scheduleRefresh(); }
    }
  }

  async function load() {
    const cells = (await api('/api/v1/cells')).cells;
    const { cell, robot } = selection(cells);
    const win = currentWindow(cells);
    $('window-label').textContent = win.label;
    $('window-label').dataset.from = win.from;
    $('window-label').dataset.to = win.to;
    const base = { from: win.from, to: win.to, cell };
    const byRobot = (dimensions) => (robot ? dimensions.concat('robot') : dimensions).join(',');
    const mine = (rows) => (robot ? rows.filter((row) => row.robot === robot) : rows);
    const [totals, oee, hourly, oeeHourly, pareto, cycles, models] = await Promise.all([
      api('/api/v1/yield', { ...base, group_by: byRobot([]) }),
      api('/api/v1/oee', { ...base, group_by: byRobot([]) }),
      api('/api/v1/yield', { ...base, group_by: byRobot(['hour']) }),
      api('/api/v1/oee', { ...base, group_by: byRobot(['hour']) }),
      api('/api/v1/failures/pareto', base),
      api('/api/v1/cycles', { ...base, robot, limit: CYCLES_FOR_HISTOGRAM }),
      api('/api/v1/yield', { ...base, group_by: byRobot(['model_version']) }),
    ]);
    state.loadedAt = new Date().toISOString();
    drawFigures(mine(totals.rows)[0] || null, mine(oee.rows)[0] || null);
    state.charts = { trend: [mine(hourly.rows), mine(oeeHourly.rows)], pareto: pareto.failures, histogram: [cycles.cycles, cycles.next_page_token !== undefined] };
    drawCharts();
    $('pareto-note').textContent = robot ? 'Failures of the whole cell ' + cell + ' (the API counts them per cell).' : '';
    drawModels(mine(models.rows));
    drawCycles(cycles.cycles.slice(0, CYCLES_SHOWN));
    $('csv-link').href = '/api/v1/cycles.csv?' + query({ from: win.from, to: win.to, cell, robot });
    setLive('Live · updated ' + clock(state.loadedAt) + ' UTC');
  }

  // ---- drawing ----------------------------------------------------------------------------------

  function setFigure(id, value, sub) {
    const node = $(id);
    node.textContent = percent(value);
    if (value === null || value === undefined) node.removeAttribute('data-value');
    else node.setAttribute('data-value', String(value));
    $(id + '-sub').textContent = sub;
  }

  function drawCharts() {
    if (!state.charts || $('data').hidden) return;
    drawTrend(...state.charts.trend);
    drawPareto(state.charts.pareto);
    drawHistogram(...state.charts.histogram);
  }

  function drawFigures(row, oee) {
    row = row || { ok: 0, nok: 0, aborted: 0, yield: null, first_pass_yield: null, takt_compliance: null };
    setFigure('fig-yield', row.yield, row.ok + ' ok · ' + row.nok + ' nok · ' + row.aborted + ' aborted');
    setFigure('fig-fpy', row.first_pass_yield, 'ok at the first attempt');
    setFigure('fig-takt', row.takt_compliance, 'p50 ' + seconds(row.cycle_ms_p50) + ' · p95 ' + seconds(row.cycle_ms_p95));
    setFigure('fig-oee', oee ? oee.oee : null,
      oee ? 'A ' + percent(oee.availability) + ' · P ' + percent(oee.performance) + ' · Q ' + percent(oee.quality) : '');
  }

  // Charts are drawn at their frame's width (at least 300 px) so their text stays at its CSS size
  // on a phone as on a desktop; a resize redraws them from the last answers.
  function chartWidth(id) {
    return Math.max(300, Math.floor($(id).clientWidth - 16));
  }

  function emptyChart(id, text) {
    $(id).replaceChildren(element('p', { class: 'empty' }, text));
  }

  function drawTrend(rows, oeeRows) {
    const hours = new Map();
    const slot = (start) => {
      if (!hours.has(start)) hours.set(start, { start });
      return hours.get(start);
    };
    for (const row of rows) Object.assign(slot(row.bucket_start), { yield: row.yield, fpy: row.first_pass_yield, takt: row.takt_compliance });
    for (const row of oeeRows) if (row.total_count > 0 || hours.has(row.bucket_start)) slot(row.bucket_start).oee = row.oee;
    const points = [...hours.values()].sort((a, b) => a.start.localeCompare(b.start));
    if (points.length === 0) { emptyChart('trend-chart', 'No cycles in this window.'); return; }
    const series = [['yield', 'Yield'], ['fpy', 'First-pass yield'], ['takt', 'Takt compliance'], ['oee', 'OEE']];
    const width = chartWidth('trend-chart'), left = 44, right = 24, top = 12, legendItem = 150;
    const perRow = Math.max(1, Math.floor((width - left) / legendItem));
    const legendRows = Math.ceil(series.length / perRow);
    const bottom = 26 + legendRows * 20, height = Math.round(Math.min(240, width * 0.45)) + legendRows * 20;
    const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': 'trend-title' });
    const x = (index) => left + (points.length === 1 ? (width - left - right) / 2 : index * (width - left - right) / (points.length - 1));
    const y = (value) => top + (1 - value) * (height - top - bottom);
    for (const tick of [0, 0.5, 0.9, 1]) {
      svg.append(svgElement('line', { class: 'axis', x1: left, x2: width - right, y1: y(tick), y2: y(tick) }));
      svg.append(svgElement('text', { x: left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, Math.round(tick * 100) + '%'));
    }
    const labelEvery = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(width / 90))));
    points.forEach((point, index) => {
      if (index % labelEvery === 0) svg.append(svgElement('text', { x: x(index), y: height - bottom + 16, 'text-anchor': 'middle', class: 'muted' }, point.start.slice(11, 16)));
    });
    series.forEach(([key, name], number) => {
      const known = points.map((point, index) => [index, point[key]]).filter(([, value]) => value !== null && value !== undefined);
      if (known.length > 0) {
        svg.append(svgElement('polyline', { class: 'series s' + (number + 1), points: known.map(([index, value]) => x(index) + ',' + y(value)).join(' ') }));
        for (const [index, value] of known) {
          const dot = svgElement('circle', { class: 'p' + (number + 1), cx: x(index), cy: y(value), r: 3 });
          dot.append(svgElement('title', {}, name + ' ' + points[index].start.slice(11, 16) + ': ' + percent(value)));
          svg.append(dot);
        }
      }
      const legendX = left + (number % perRow) * legendItem;
      const legendY = height - 8 - (legendRows - 1 - Math.floor(number / perRow)) * 20;
      svg.append(svgElement('line', { class: 'series s' + (number + 1), x1: legendX, x2: legendX + 22, y1: legendY, y2: legendY }));
      svg.append(svgElement('text', { x: legendX + 27, y: legendY + 4 }, name));
    });
    $('trend-chart').replaceChildren(svg);
  }

  function drawPareto(failures) {
    if (failures.length === 0) { emptyChart('pareto-chart', 'No failures in this window.'); return; }
    const rowHeight = 26, width = chartWidth('pareto-chart'), labelWidth = 140, countWidth = 86, top = 6;
    const height = top + failures.length * rowHeight + 6;
    const most = failures[0].count;
    const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': 'pareto-title' });
    const barSpace = width - labelWidth - countWidth;
    failures.forEach((failure, index) => {
      const y = top + index * rowHeight;
      svg.append(svgElement('text', { x: labelWidth - 6, y: y + 16, 'text-anchor': 'end' }, failure.failure_code));
      const bar = svgElement('rect', {
        class: 'bar nok', x: labelWidth, y: y + 3, height: rowHeight - 8,
        width: Math.max(1, barSpace * failure.count / most).toFixed(2),
        'data-code': failure.failure_code, 'data-count': failure.count,
      });
      bar.append(svgElement('title', {}, failure.failure_code + ': ' + failure.count + ' (' + percent(failure.share) + ')'));
      svg.append(bar);
      svg.append(svgElement('text', { x: width - countWidth + 6, y: y + 16 }, failure.count + ' · ' + percent(failure.cumulative_share)));
    });
    $('pareto-chart').replaceChildren(svg);
  }

  // Bins of whole seconds (a 1-2-5 step giving at most 24 bins) over ok and nok cycles, as the
  // API's percentiles count them; the dashed line is the takt most of them carry.
  function drawHistogram(cycles, truncated) {
    const counted = cycles.filter((cycle) => cycle.outcome !== 'aborted');
    $('histogram-note').textContent = counted.length === 0 ? '' :
      (truncated ? 'The newest ' + cycles.length + ' cycles of the window; ' : '') + counted.length + ' ok or nok cycles.';
    if (counted.length === 0) { emptyChart('histogram-chart', 'No ok or nok cycles in this window.'); return; }
    const times = counted.map((cycle) => cycle.cycle_ms);
    const takts = new Map();
    for (const cycle of counted) takts.set(cycle.ideal_cycle_ms, (takts.get(cycle.ideal_cycle_ms) || 0) + 1);
    const takt = [...takts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
    const low = Math.min(...times, takt), high = Math.max(...times, takt);
    let step = 1000;
    for (const candidate of [1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000]) {
      step = candidate;
      if ((Math.floor(high / candidate) - Math.floor(low / candidate) + 1) <= 24) break;
    }
    const first = Math.floor(low / step);
    const bins = new Array(Math.floor(high / step) - first + 1).fill(0);
    for (const ms of times) bins[Math.floor(ms / step) - first] += 1;
    const width = chartWidth('histogram-chart'), height = 220, left = 36, right = 8, top = 10, bottom = 34;
    const most = Math.max(...bins);
    const binWidth = (width - left - right) / bins.length;
    const y = (count) => top + (1 - count / most) * (height - top - bottom);
    const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': 'histogram-title' });
    svg.append(svgElement('line', { class: 'axis', x1: left, x2: width - right, y1: y(0), y2: y(0) }));
    svg.append(svgElement('text', { x: left - 4, y: y(most) + 10, 'text-anchor': 'end' }, String(most)));
    svg.append(svgElement('text', { x: left - 4, y: y(0), 'text-anchor': 'end' }, '0'));
    bins.forEach((count, index) => {
      if (count === 0) return;
      const from = (first + index) * step;
      const bar = svgElement('rect', { class: 'bar', x: left + index * binWidth + 1, y: y(count), width: Math.max(1, binWidth - 2), height: y(0) - y(count), 'data-from-ms': from, 'data-count': count });
      bar.append(svgElement('title', {}, seconds(from) + ' to ' + seconds(from + step) + ': ' + count));
      svg.append(bar);
    });
    const labelEvery = Math.max(1, Math.ceil(bins.length / Math.max(2, Math.floor(width / 70))));
    for (let index = 0; index <= bins.length; index += labelEvery) {
      const x = left + index * binWidth;
      svg.append(svgElement('text', { x, y: height - bottom + 16, 'text-anchor': x > width - right - 16 ? 'end' : 'middle', class: 'muted' }, ((first + index) * step / 1000) + ' s'));
    }
    const taktX = left + (takt / step - first) * binWidth;
    svg.append(svgElement('line', { class: 'takt', x1: taktX, x2: taktX, y1: top, y2: y(0) }));
    const nearEnd = taktX > width - right - 80;
    svg.append(svgElement('text', { x: nearEnd ? taktX - 4 : taktX + 4, y: height - 4, 'text-anchor': nearEnd ? 'end' : 'start' }, 'takt ' + seconds(takt)));
    $('histogram-chart').replaceChildren(svg);
  }

  function drawModels(rows) {
    const body = $('model-table').tBodies[0];
    body.replaceChildren(...rows.map((row) => {
      const line = element('tr', { 'data-model': row.model_version });
      line.append(element('td', {}, row.model_version || '(none)'), element('td', { class: 'num' }, String(row.cycles)),
        element('td', { class: 'num' }, percent(row.yield)), element('td', { class: 'num' }, percent(row.first_pass_yield)),
        element('td', { class: 'num' }, percent(row.takt_compliance)));
      return line;
    }));
  }

  function drawCycles(cycles) {
    const body = $('cycles-table').tBodies[0];
    body.replaceChildren(...cycles.map((cycle) => {
      const line = element('tr', { 'data-cycle-id': cycle.cycle_id });
      line.append(element('td', {}, clock(cycle.ended_at)), element('td', {}, cycle.cell), element('td', {}, cycle.robot),
        element('td', { class: 'outcome-' + cycle.outcome }, cycle.outcome), element('td', {}, cycle.failure_code || '—'),
        element('td', { class: 'num' }, String(cycle.attempts)), element('td', { class: 'num' }, seconds(cycle.cycle_ms)),
        element('td', {}, cycle.model_version));
      return line;
    }));
  }

  // ---- the event stream -------------------------------------------------------------------------

  function onNotice(notice) {
    const before = state.notice;
    state.notice = notice;
    if (notice.database !== 'ready') databaseProblem(notice.problem);
    const changed = !before || before.cycles_version !== notice.cycles_version || before.database !== notice.database ||
      JSON.stringify(before.shift) !== JSON.stringify(notice.shift);
    if (changed) scheduleRefresh();
  }

  function dispatch(block) {
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') name = value;
      else if (field === 'data') data = data ? data + '\n' + value : value;
    }
    if (name === 'notice' && data) onNotice(JSON.parse(data));
  }

  // Server-Sent Events read through fetch, because EventSource cannot send the Authorization header.
  async function follow(controller) {
    let delay = 1000;
    while (!controller.signal.aborted) {
      try {
        const response = await fetch('/page/events', { headers: authHeaders(), cache: 'no-store', signal: controller.signal });
        if (response.status === 401 || response.status === 403) {
          showTokenPrompt(tokenRefusal(new ApiError(response.status, '', '')));
          return;
        }
        if (!response.ok || !response.body) throw new Error('HTTP ' + response.status);
        delay = 1000;
        $('token-form').hidden = true;
        $('data').hidden = false;
        if (!state.refreshing && !state.loadedAt) setLive('Loading…');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
      }
      setLive('Reconnecting…');
      if (!state.loadedAt) showBanner('The yield service does not answer; retrying.');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  }

  // ---- start ------------------------------------------------------------------------------------

  // The event stream asks for the read token like the API: its answer decides between the prompt
  // and the plant, and its first notice (which says whether the database answers) loads the data.
  function start() {
    if (state.stream) state.stream.abort();
    const controller = new AbortController();
    state.stream = controller;
    follow(controller);
  }

  function init() {
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token-input').value.trim();
      if (!token) return;
      state.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token-input').value = '';
      start();
    });
    for (const id of ['cell-select', 'robot-select', 'window-select']) $(id).addEventListener('change', scheduleRefresh);
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(drawCharts, 150);
    });
    // With tokens the export needs the Authorization header too, which a plain link cannot send.
    $('csv-link').addEventListener('click', async (event) => {
      if (!state.token) return;
      event.preventDefault();
      const response = await fetch($('csv-link').href, { headers: authHeaders() });
      if (!response.ok) { showBanner('The CSV export answered ' + response.status + '.'); return; }
      const url = URL.createObjectURL(await response.blob());
      const download = element('a', { href: url, download: 'cycles.csv' });
      document.body.append(download);
      download.click();
      download.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
    start();
  }

  init();
})();
