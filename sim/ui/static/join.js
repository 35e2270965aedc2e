document.getElementById('join').addEventListener('submit', async (event) => {
  event.preventDefault();
  const picked = document.querySelector('input[name=team]:checked');
  const status = document.getElementById('status');
  if (!picked) { status.textContent = 'Pick a team first.'; return; }
  try {
    const joined = await Dipsim.api('/api/join', {
      team: picked.value, code: document.getElementById('code').value });
    sessionStorage.setItem('dipsim-token', joined.token);
    location.href = `/team?s=${encodeURIComponent(Dipsim.session)}#t=${joined.token}`;
  } catch (e) {
    status.textContent = e.message;
  }
});
