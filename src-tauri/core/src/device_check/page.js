'use strict';
// The device check: camera preview, microphone level, a test tone and the
// choice of devices. Nothing is recorded or kept: the streams live in this
// page only and stop with it. The app hears only what was found, as a
// closed set of words in a request to this page's own origin.
(() => {
  const data = JSON.parse(document.getElementById('data').textContent);
  const T = data.texts;
  const $ = (id) => document.getElementById(id);
  const text = (id, key) => { $(id).textContent = T[key]; };

  text('title', 'title');
  text('private', 'private');
  text('camera-heading', 'camera');
  text('microphone-heading', 'microphone');
  text('speaker-heading', 'speaker');
  text('camera-label', 'camera');
  text('microphone-label', 'microphone');
  text('speaker-label', 'speaker');
  text('speak', 'speak');
  text('sound', 'sound');
  text('sound-hint', 'sound_hint');
  text('again', 'again');
  text('done', 'done');
  $('preview').setAttribute('aria-label', T.preview);
  $('level').setAttribute('aria-label', T.level);

  const chosen = { video: '', audio: '', speaker: '' };
  let streams = [];
  let meterTimer = 0;
  let listening = null;
  let speaking = null;

  function report(path) {
    // Same origin; the app answers and keeps nothing.
    fetch(`/check/${path}`, { cache: 'no-store' }).catch(() => {});
  }

  function classify(e) {
    switch (e && e.name) {
      case 'NotFoundError':
      case 'OverconstrainedError':
      case 'DevicesNotFoundError':
        return 'none';
      case 'NotAllowedError':
      case 'SecurityError':
      case 'PermissionDeniedError':
        return 'denied';
      case 'NotReadableError':
      case 'AbortError':
      case 'TrackStartError':
        return 'busy';
      default:
        return 'failed';
    }
  }

  async function get(kind) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return { state: 'failed' };
    const id = chosen[kind];
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: id ? { deviceId: { exact: id } } : true });
      streams.push(stream);
      return { state: 'ok', stream };
    } catch (e) {
      return { state: classify(e) };
    }
  }

  function stopAll() {
    clearInterval(meterTimer);
    meterTimer = 0;
    for (const s of streams) for (const t of s.getTracks()) t.stop();
    streams = [];
    if (listening) listening.close().catch(() => {});
    listening = null;
    $('preview').srcObject = null;
  }

  function showState(which, state) {
    const el = $(`${which}-state`);
    el.textContent = T[`${which}_${state}`];
    el.classList.toggle('problem', state !== 'ok');
  }

  function meter(stream) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    listening = new Ctx();
    const analyser = listening.createAnalyser();
    analyser.fftSize = 1024;
    listening.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let heard = false;
    $('heard').textContent = '';
    meterTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      $('level').value = level;
      // Said once, for screen readers: the bar itself is not read out.
      if (!heard && level > 0.08) {
        heard = true;
        $('heard').textContent = T.heard;
      }
    }, 100);
  }

  async function fill(kind, select, box, fallback) {
    let devices = [];
    try {
      devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind && d.deviceId);
    } catch (_) { /* none to choose from */ }
    select.replaceChildren();
    devices.forEach((d, i) => {
      const o = document.createElement('option');
      o.value = d.deviceId;
      o.textContent = d.label || `${fallback} ${i + 1}`;
      select.append(o);
    });
    box.hidden = devices.length === 0;
    return devices;
  }

  // The devices of one kind to choose from, the one in use selected;
  // nothing to choose without a working device.
  async function offer(which, kind, found) {
    if (found.state !== 'ok') {
      $(`${which}-choice`).hidden = true;
      return;
    }
    const list = await fill(kind, $(`${which}-select`), $(`${which}-choice`), T[which]);
    const id = found.stream.getTracks()[0].getSettings().deviceId;
    if (list.some((d) => d.deviceId === id)) $(`${which}-select`).value = id;
  }

  async function check() {
    stopAll();
    $('status').textContent = T.asking;
    const camera = await get('video');
    const microphone = await get('audio');
    showState('camera', camera.state);
    showState('microphone', microphone.state);
    $('preview').hidden = camera.state !== 'ok';
    if (camera.stream) $('preview').srcObject = camera.stream;
    $('level-box').hidden = microphone.state !== 'ok';
    if (microphone.stream) meter(microphone.stream);
    await offer('camera', 'videoinput', camera);
    await offer('microphone', 'audioinput', microphone);
    // Speakers can be chosen only where the browser can route sound.
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && 'setSinkId' in Ctx.prototype) await fill('audiooutput', $('speaker-select'), $('speaker-choice'), T.speaker);
    $('status').textContent = '';
    report(`report/${camera.state}/${microphone.state}`);
  }

  async function tone() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!speaking) speaking = new Ctx();
    if (chosen.speaker && speaking.setSinkId) await speaking.setSinkId(chosen.speaker).catch(() => {});
    await speaking.resume().catch(() => {});
    const t = speaking.currentTime;
    const osc = speaking.createOscillator();
    const gain = speaking.createGain();
    osc.frequency.value = 660;
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(0.2, t + 0.05);
    gain.gain.setValueAtTime(0.2, t + 0.6);
    gain.gain.linearRampToValueAtTime(0, t + 0.8);
    osc.connect(gain).connect(speaking.destination);
    osc.start(t);
    osc.stop(t + 0.85);
  }

  $('camera-select').addEventListener('change', (e) => { chosen.video = e.target.value; check(); });
  $('microphone-select').addEventListener('change', (e) => { chosen.audio = e.target.value; check(); });
  $('speaker-select').addEventListener('change', (e) => { chosen.speaker = e.target.value; });
  $('sound').addEventListener('click', tone);
  $('again').addEventListener('click', check);
  $('done').addEventListener('click', () => {
    stopAll();
    report('done');
  });
  window.addEventListener('pagehide', stopAll);

  $('title').tabIndex = -1;
  $('title').focus();
  check();
})();
