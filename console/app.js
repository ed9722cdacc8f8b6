// The Freshet console: one page, views by URL hash, data from /api (runtime/console).
// Plain browser JavaScript, no build step; charts with uPlot (window.uPlot).
// Every value from the cluster goes into the page as text, never as HTML.

const REFRESH_MS = 5000;
const view = document.getElementById('view');
const status = document.getElementById('status');
let settings = { readOnly: true };
let refreshTimer = null;

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child instanceof Node ? child : String(child));
  return element;
}

function table(testid, headers, rows) {
  return h('table', { 'data-testid': testid }, h('thead', {}, h('tr', {}, headers.map((header) => h('th', {}, header)))), h('tbody', {}, rows.map((cells) => h('tr', {}, cells))));
}

const cell = (value, attributes = {}) => h('td', attributes, value);
const num = (value, testid) => h('td', { class: 'num', 'data-testid': testid }, value);
const link = (href, text) => h('a', { href }, text);
const facts = (pairs) => h('div', { class: 'facts' }, pairs.map(([label, value, testid]) => h('div', {}, h('span', {}, label), h('strong', { 'data-testid': testid }, value))));

function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

async function api(path, options) {
  const response = await fetch(`/api/${path}`, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

function post(path, body) {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

// ---- charts over the node's in-memory series ----

/** Per-second rates between consecutive samples of a cumulative value. */
function rates(samples, read) {
  const times = [];
  const values = [];
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i].atMs - samples[i - 1].atMs) / 1000;
    times.push(samples[i].atMs / 1000);
    values.push(Math.max(0, (read(samples[i]) - read(samples[i - 1])) / seconds));
  }
  return [times, values];
}

function chart(testid, title, series) {
  const container = h('div', { class: 'chart', 'data-testid': testid, 'data-points': series[0][0].length, 'data-last': series[0][1].at(-1) ?? '' });
  const data = [series[0][0], ...series.map(([, values]) => values)];
  // uPlot draws from the series' own arrays: all series share the first one's times.
  new window.uPlot(
    { title, width: 640, height: 220, series: [{}, ...series.map(([, , label], i) => ({ label, stroke: ['#2a6fdb', '#d9822b', '#2f9e44'][i % 3] }))] },
    data,
    container,
  );
  return container;
}

const sum = (record) => Object.values(record).reduce((total, value) => total + value, 0);

// ---- views ----

async function clusterView() {
  const [cluster, { samples }] = await Promise.all([api('cluster'), api('series')]);
  const [times, records] = rates(samples, (s) => sum(s.topicEndOffsets));
  const [, bytesIn] = rates(samples, (s) => sum(s.topicBytesIn));
  const [, bytesOut] = rates(samples, (s) => sum(s.topicBytesOut));
  return [
    h('h1', {}, 'Cluster'),
    facts([
      ['cluster id', cluster.clusterId, 'cluster-id'],
      ['controller', cluster.controllerId, 'controller'],
      ['quorum leader', cluster.quorum.leaderId, 'quorum-leader'],
      ['quorum epoch', cluster.quorum.epoch, 'quorum-epoch'],
      ['metadata offset', `${cluster.quorum.appliedOffset} / ${cluster.quorum.highWatermark}`, 'quorum-offsets'],
      ['metadata lag', cluster.quorum.lag, 'quorum-lag'],
      ['served by node', cluster.servedBy, 'served-by'],
    ]),
    h('h2', {}, 'Nodes'),
    table(
      'brokers',
      ['node', 'rack', 'broker epoch', 'state', 'listeners'],
      cluster.brokers.map((b) => [num(b.nodeId), cell(b.rack ?? '—'), num(b.epoch), cell(b.fenced ? 'fenced' : b.alive ? 'online' : 'not serving', { class: b.fenced ? 'bad' : '' }), cell(b.endpoints.join(' '))]),
    ),
    h('h2', {}, 'Throughput'),
    chart('throughput-chart', 'records in / s (cluster)', [[times, records, 'records/s']]),
    chart('bytes-chart', 'bytes / s (this node)', [[times, bytesIn, 'in'], [times, bytesOut, 'out']]),
  ];
}

async function topicsView() {
  const topics = await api('topics');
  const form = settings.readOnly
    ? null
    : h(
        'form',
        {
          'data-testid': 'create-topic',
          onsubmit: async (event) => {
            event.preventDefault();
            const fields = new FormData(event.target);
            await post('topics', { name: fields.get('name'), partitions: Number(fields.get('partitions')), replicationFactor: Number(fields.get('replicationFactor')) });
            await render();
          },
        },
        h('input', { name: 'name', placeholder: 'topic name', required: true }),
        h('input', { name: 'partitions', type: 'number', value: 1, min: 1 }),
        h('input', { name: 'replicationFactor', type: 'number', value: -1 }),
        h('button', { type: 'submit' }, 'Create topic'),
      );
  return [
    h('h1', {}, 'Topics'),
    form,
    table(
      'topics',
      ['topic', 'partitions', 'replication', 'under-replicated', 'offline', 'size'],
      topics.map((t) => [
        cell(link(`#/topics/${encodeURIComponent(t.name)}`, t.name)),
        num(t.partitions),
        num(t.replicationFactor),
        cell(t.underReplicated, { class: t.underReplicated > 0 ? 'bad num' : 'num' }),
        cell(t.offline, { class: t.offline > 0 ? 'bad num' : 'num' }),
        num(bytes(t.sizeBytes)),
      ]),
    ),
  ];
}

async function topicView(name) {
  const [topic, { samples }] = await Promise.all([api(`topics/${encodeURIComponent(name)}`), api('series')]);
  const [times, records] = rates(samples, (s) => s.topicEndOffsets[name] ?? 0);
  const [, bytesIn] = rates(samples, (s) => s.topicBytesIn[name] ?? 0);
  const [, bytesOut] = rates(samples, (s) => s.topicBytesOut[name] ?? 0);
  const retention = topic.configs.find((c) => c.name === 'retention.ms');
  const edit = settings.readOnly
    ? null
    : h(
        'form',
        {
          'data-testid': 'alter-config',
          onsubmit: async (event) => {
            event.preventDefault();
            const fields = new FormData(event.target);
            await post(`topics/${encodeURIComponent(name)}/configs`, { name: fields.get('name'), value: fields.get('value') });
            await render();
          },
        },
        h('input', { name: 'name', placeholder: 'config name', required: true }),
        h('input', { name: 'value', placeholder: 'value', required: true }),
        h('button', { type: 'submit' }, 'Set config'),
      );
  return [
    h('h1', {}, `Topic ${name}`),
    facts([
      ['topic id', topic.topicId, 'topic-id'],
      ['partitions', topic.partitions.length, 'partition-count'],
      ['retention.ms', retention?.value ?? '—', 'retention'],
      ['size', bytes(topic.partitions.reduce((total, p) => total + p.sizeBytes, 0)), 'topic-size'],
    ]),
    table(
      'partitions',
      ['partition', 'leader', 'replicas', 'ISR', 'log start', 'high watermark', 'size'],
      topic.partitions.map((p) => [
        cell(link(`#/topics/${encodeURIComponent(name)}/${p.partition}`, p.partition)),
        cell(p.offline ? 'offline' : p.leader, { class: p.offline ? 'bad' : '' }),
        cell(p.replicas.join(',')),
        cell(p.isr.join(','), { class: p.isr.length < p.replicas.length ? 'bad' : '' }),
        num(p.logStartOffset),
        num(p.highWatermark),
        num(bytes(p.sizeBytes)),
      ]),
    ),
    chart('topic-chart', `${name}: records in / s`, [[times, records, 'records/s']]),
    chart('topic-bytes-chart', `${name}: bytes / s (this node)`, [[times, bytesIn, 'in'], [times, bytesOut, 'out']]),
    h('h2', {}, 'Configs'),
    edit,
    table('configs', ['name', 'value', 'source'], topic.configs.map((c) => [cell(c.name), cell(c.value ?? '(sensitive)'), cell(c.source)])),
  ];
}

function decode(base64, format) {
  if (base64 === null) return 'null';
  const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (format === 'hex') return [...raw].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = new TextDecoder().decode(raw);
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

async function partitionView(name, partition) {
  const detail = await api(`topics/${encodeURIComponent(name)}/partitions/${partition}`);
  const results = h('div', { 'data-testid': 'messages' });
  const browse = async (event) => {
    event?.preventDefault();
    const fields = new FormData(browser);
    const from = String(fields.get('from'));
    const query = fields.get('by') === 'timestamp' ? `timestamp=${Date.parse(from)}` : `offset=${encodeURIComponent(from)}`;
    const { records } = await api(`topics/${encodeURIComponent(name)}/partitions/${partition}/messages?${query}&limit=${Number(fields.get('limit'))}`);
    const format = String(fields.get('format'));
    results.replaceChildren(
      table(
        'records',
        ['offset', 'timestamp', 'key', 'headers', 'value'],
        records.map((r) => [
          num(r.offset),
          cell(new Date(r.timestamp).toISOString()),
          cell(h('pre', {}, decode(r.key, format === 'json' ? 'text' : format))),
          cell(r.headers.map((header) => `${header.key}=${decode(header.value, 'text')}`).join(', ')),
          cell(h('pre', {}, decode(r.value, format))),
        ]),
      ),
    );
  };
  const browser = h(
    'form',
    { 'data-testid': 'browse', onsubmit: browse },
    h('select', { name: 'by' }, h('option', { value: 'offset' }, 'from offset'), h('option', { value: 'timestamp' }, 'from time (ISO)')),
    h('input', { name: 'from', value: detail.logStartOffset }),
    h('input', { name: 'limit', type: 'number', value: 50, min: 1, max: 500 }),
    h('select', { name: 'format' }, h('option', { value: 'text' }, 'text'), h('option', { value: 'json' }, 'JSON'), h('option', { value: 'hex' }, 'hex')),
    h('button', { type: 'submit' }, 'Show records'),
  );
  return [
    h('h1', {}, `${name}-${partition}`),
    facts([
      ['log start offset', detail.logStartOffset, 'log-start'],
      ['high watermark', detail.highWatermark, 'high-watermark'],
      ['last stable offset', detail.lastStableOffset, 'last-stable'],
    ]),
    h('h2', {}, `Segments on node ${detail.servedBy}`),
    detail.segments === null
      ? h('p', {}, 'This node holds no replica of this partition.')
      : table('segments', ['base offset', 'size'], detail.segments.map((s) => [num(s.baseOffset), num(bytes(s.sizeBytes))])),
    h('h2', {}, 'Producers'),
    table(
      'producers',
      ['producer id', 'epoch', 'last sequence', 'last timestamp', 'open transaction from'],
      detail.producers.map((p) => [num(p.producerId), num(p.producerEpoch), num(p.lastSequence), cell(new Date(p.lastTimestamp).toISOString()), num(p.currentTxnStartOffset === '-1' ? '—' : p.currentTxnStartOffset)]),
    ),
    h('h2', {}, 'Records'),
    browser,
    results,
  ];
}

async function transactionsView() {
  const transactions = await api('transactions');
  return [
    h('h1', {}, 'Transactions'),
    table(
      'transactions',
      ['transactional id', 'state', 'coordinator', 'producer id', 'epoch', 'timeout ms', 'started', 'partitions'],
      transactions.map((t) => [
        cell(t.transactionalId),
        cell(t.state),
        num(t.coordinator),
        num(t.producerId),
        num(t.producerEpoch),
        num(t.timeoutMs),
        cell(t.startTimeMs < 0 ? '—' : new Date(t.startTimeMs).toISOString()),
        cell(t.partitions.join(', ')),
      ]),
    ),
  ];
}

async function accessView() {
  const { acls, quotas } = await api('access');
  return [
    h('h1', {}, 'ACLs'),
    acls.error === null
      ? table('acls', ['resource', 'name', 'pattern', 'principal', 'host', 'operation', 'permission'], acls.acls.map((a) => [cell(a.resourceType), cell(a.resourceName), cell(a.patternType), cell(a.principal), cell(a.host), cell(a.operation), cell(a.permission)]))
      : h('p', { 'data-testid': 'acls-error' }, acls.error === 'SECURITY_DISABLED' ? 'No authorizer is configured (authorizer.class.name): every principal may do everything.' : `DescribeAcls failed: ${acls.error}`),
    h('h1', {}, 'Client quotas'),
    table('quotas', ['entity', 'quotas'], quotas.quotas.map((q) => [cell(q.entity), cell(Object.entries(q.values).map(([key, value]) => `${key}=${value}`).join(', '))])),
  ];
}

async function groupsView() {
  const groups = await api('groups');
  return [
    h('h1', {}, 'Consumer groups'),
    table(
      'groups',
      ['group', 'state', 'protocol type', 'lag'],
      groups.map((g) => [cell(link(`#/groups/${encodeURIComponent(g.groupId)}`, g.groupId)), cell(g.state), cell(g.protocolType || '—'), num(g.totalLag)]),
    ),
  ];
}

async function groupView(groupId) {
  const [group, { samples }] = await Promise.all([api(`groups/${encodeURIComponent(groupId)}`), api('series')]);
  const points = samples.filter((s) => groupId in s.groupLag);
  const reset = settings.readOnly
    ? null
    : h(
        'form',
        {
          'data-testid': 'reset-offsets',
          onsubmit: async (event) => {
            event.preventDefault();
            const fields = new FormData(event.target);
            await post(`groups/${encodeURIComponent(groupId)}/reset-offsets`, { topic: fields.get('topic'), to: fields.get('to') });
            await render();
          },
        },
        h('input', { name: 'topic', placeholder: 'topic', required: true }),
        h('select', { name: 'to' }, h('option', { value: 'earliest' }, 'to earliest'), h('option', { value: 'latest' }, 'to latest')),
        h('button', { type: 'submit' }, 'Reset offsets'),
      );
  return [
    h('h1', {}, `Group ${groupId}`),
    facts([
      ['state', group.state, 'group-state'],
      ['protocol type', group.protocolType || '—', 'group-protocol-type'],
      ['assignor', group.assignor || '—', 'group-assignor'],
      ['total lag', group.totalLag, 'group-lag'],
    ]),
    h('h2', {}, 'Members'),
    table('members', ['member', 'instance id', 'client id', 'host', 'assigned'], group.members.map((m) => [cell(m.memberId), cell(m.groupInstanceId ?? '—'), cell(m.clientId), cell(m.host), cell(m.assignment.join(', '))])),
    h('h2', {}, 'Offsets'),
    reset,
    table(
      'lag',
      ['topic', 'partition', 'committed', 'high watermark', 'lag'],
      group.partitions.map((p) => [cell(p.topic), num(p.partition), num(p.committed), num(p.highWatermark), num(p.lag ?? '—')]),
    ),
    chart('lag-chart', `${groupId}: lag`, [[points.map((s) => s.atMs / 1000), points.map((s) => s.groupLag[groupId]), 'records behind']]),
  ];
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter((part) => part !== '').map(decodeURIComponent);
  if (parts[0] === 'topics' && parts.length === 1) return topicsView;
  if (parts[0] === 'topics' && parts.length === 2) return () => topicView(parts[1]);
  if (parts[0] === 'topics' && parts.length === 3) return () => partitionView(parts[1], Number(parts[2]));
  if (parts[0] === 'transactions') return transactionsView;
  if (parts[0] === 'access') return accessView;
  if (parts[0] === 'groups' && parts.length === 1) return groupsView;
  if (parts[0] === 'groups' && parts.length === 2) return () => groupView(parts[1]);
  return clusterView;
}

async function render() {
  clearTimeout(refreshTimer);
  const shown = location.hash;
  try {
    const content = await route()();
    // A slow answer for a view the user already left is dropped.
    if (location.hash !== shown) return;
    view.replaceChildren(...content.filter((node) => node !== null));
    // Which view is on the page, and when it was drawn (tests and scripts wait on these).
    view.dataset.view = shown;
    view.dataset.rendered = String(Date.now());
    status.textContent = '';
  } catch (error) {
    status.textContent = String(error.message ?? error);
  }
  // The message browser keeps what the user asked for: only the other views refresh.
  if (!/^#\/topics\/[^/]+\/\d+$/.test(location.hash)) refreshTimer = setTimeout(render, REFRESH_MS);
}

window.addEventListener('hashchange', render);
settings = await api('settings');
await render();
