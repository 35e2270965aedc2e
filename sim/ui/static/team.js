// A team's page: what its government sees, the actions it may pick, its move each round.
let state = null;
let shownVersion = -1;
let shownActions = '';
let resultShown = false;

function esc(text) {
  const div = document.createElement('div');
  div.textContent = String(text);
  return div.innerHTML;
}

function render(s) {
  document.getElementById('name').textContent = `The ${s.name}`;
  document.getElementById('title').textContent = s.title;
  document.getElementById('when').textContent =
    `Round ${s.round} · ${s.date} · ${s.days_left} days left · each round is ${s.round_days} days`;
  document.getElementById('sees').innerHTML = [
    ['your hostility', `${s.hostility.toFixed(2)} / ${s.threshold}`],
    ["the other side's hostility", `${s.other_hostility.toFixed(2)} / ${s.threshold}`],
    ['your readiness to talk', `${s.readiness.toFixed(2)} / ${s.talks_bar}`],
    ['your sanction pain', s.pain.toFixed(2)],
    ['at the table', s.in_talks ? 'yes' : 'no'],
    ['relations', s.relations_open ? 'open' : 'broken'],
    ['deaths so far', s.deaths],
    ['outcome so far', s.outcome.replace('_', ' ')],
  ].map(([k, v]) => `<span class="stat" data-stat="${esc(k)}">${esc(k)} <b>${esc(v)}</b></span>`)
    .join('');
  document.getElementById('feed').innerHTML = s.feed;
  const key = s.round + ':' + s.actions.map((a) => a.action).join(',');
  if (key !== shownActions) {
    shownActions = key;
    document.getElementById('actions').innerHTML = s.actions.map((a) =>
      `<label class="pick"><input type="radio" name="action" value="${esc(a.action)}">` +
      `<b>${esc(a.label)}</b><br><small>${esc(a.words)}</small></label>`).join('');
  }
  const waiting = s.chosen !== null;
  document.getElementById('submit').disabled = waiting || s.over;
  document.getElementById('chosen').textContent = waiting
    ? `Your move this round: ${s.chosen}. ` + (s.other_chosen ? 'Both teams have moved.'
      : 'Waiting for the other team.') + (s.paused ? ' The instructor has paused the game.' : '')
    : (s.other_chosen ? 'The other team has moved.' : '');
  document.getElementById('move').hidden = s.over;
  document.getElementById('move-title').hidden = s.over;
  document.getElementById('over').hidden = !s.over;
  if (s.last_round) {
    const r = s.last_round;
    document.getElementById('status').textContent = r.refused && r.refused[s.team]
      ? `Last round your ${r.refused[s.team]} was not possible on its day: your government held.`
      : '';
  }
}

async function showResult() {
  if (resultShown) return;
  resultShown = true;
  const r = await Dipsim.api('/api/result');
  document.getElementById('result-words').textContent =
    `Your run ended in: ${r.outcome.replace('_', ' ')}. The black line is your class's run; ` +
    'the shading, the same scenario played by the model.';
  await Dipsim.chart(document.getElementById('fan'), r.fan, { run: r.run }, 1);
  await Dipsim.chart(document.getElementById('outcomes'), r.outcomes, {}, 1);
}

async function refresh() {
  state = await Dipsim.api('/api/team');
  if (state.version !== shownVersion) {
    shownVersion = state.version;
    render(state);
  }
  if (state.over) await showResult();
}

document.getElementById('move').addEventListener('submit', async (event) => {
  event.preventDefault();
  const picked = document.querySelector('input[name=action]:checked');
  const status = document.getElementById('status');
  if (!picked || !state) { status.textContent = 'Pick an action first.'; return; }
  try {
    await Dipsim.api('/api/team/choose',
      { action: picked.value, round: state.round, nonce: state.nonce });
    status.textContent = '';
  } catch (e) {
    status.textContent = e.message;
  }
  shownVersion = -1;
  await refresh();
});

Dipsim.token();
Dipsim.poll(refresh, 1500, 20);
