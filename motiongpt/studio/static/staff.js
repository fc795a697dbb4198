// The staff of a dance (the server's staff.svg) with a play-head moving up it and bars selected by dragging.
// The geometry comes from the server (viz.staff): each staff's beats [start, end), its centre line x, the y of
// its first beat and the height of a beat, in the SVG's units; the image is scaled to the box's width.
"use strict";

const STAFF_LEFT = -110, STAFF_RIGHT = 132;  // the outermost columns around the centre line (viz.staff)

class StaffView {
  constructor(box, onSelect) {
    this.box = box; this.onSelect = onSelect;
    this.img = document.createElement("img");
    this.img.alt = "the staff";
    this.overlay = document.createElement("canvas");
    box.replaceChildren(this.img, this.overlay);
    this.selection = null; this.beat = null;
    this.img.addEventListener("load", () => { this.resize(); this.reveal(0); });
    window.addEventListener("resize", () => this.resize());
    let anchor = null;
    this.overlay.addEventListener("pointerdown", (e) => {
      const bar = this.barAt(e); if (bar === null) return;
      anchor = bar; this.select(bar, bar);
      this.overlay.setPointerCapture(e.pointerId);
    });
    this.overlay.addEventListener("pointermove", (e) => {
      if (anchor === null) return;
      const bar = this.barAt(e); if (bar === null) return;
      this.select(Math.min(anchor, bar), Math.max(anchor, bar));
    });
    this.overlay.addEventListener("pointerup", () => {
      if (anchor !== null && this.selection && this.onSelect) this.onSelect(...this.selection);
      anchor = null;
    });
  }

  show(dance, url, selection) {
    this.dance = dance; this.selection = selection || null; this.beat = null;
    this.img.src = url;
  }

  resize() {
    if (!this.dance) return;
    const w = this.img.clientWidth, h = this.img.clientHeight;
    this.overlay.width = w; this.overlay.height = h;
    this.scale = w / this.dance.staff.width;
    this.paint();
  }

  where(beat) {  // beat -> [x of the centre line, y] in SVG units
    const staves = this.dance.staff.staves, b = this.dance.staff.beat;
    let s = staves.find((st) => st.start <= beat && beat < st.end) || staves[staves.length - 1];
    if (beat < staves[0].start) s = staves[0];
    return [s.x, s.base - (Math.min(beat, s.end) - s.start) * b];
  }

  barAt(e) {  // the bar under the pointer, or null
    const r = this.overlay.getBoundingClientRect();
    const x = (e.clientX - r.left) / this.scale, y = (e.clientY - r.top) / this.scale;
    const st = this.dance.staff.staves.find((s) => x >= s.x + STAFF_LEFT - 20 && x <= s.x + STAFF_RIGHT + 20);
    if (!st) return null;
    const beat = st.start + (st.base - y) / this.dance.staff.beat;
    if (beat < st.start - 0.5 || beat > st.end + 0.5) return null;
    let bar = this.dance.bars[0].bar;
    for (const b of this.dance.bars) if (b.beat <= beat) bar = b.bar;
    return bar;
  }

  select(first, last) {
    this.selection = [first, last];
    this.paint();
  }

  barBeats(n) {
    const bars = this.dance.bars, i = bars.findIndex((b) => b.bar === n);
    const end = i + 1 < bars.length ? bars[i + 1].beat : Math.ceil(this.dance.duration_beats);
    return [bars[i].beat, end];
  }

  setBeat(beat) { this.beat = beat; this.paint(); this.reveal(beat); }

  reveal(beat) {  // scroll the box so that ``beat`` is in view (time flows up: the start is at the bottom)
    if (!this.scale) return;
    const [x, y] = this.where(beat), box = this.box, k = this.scale;
    if (y * k < box.scrollTop + 40 || y * k > box.scrollTop + box.clientHeight - 40) {
      box.scrollTop = Math.max(0, y * k - box.clientHeight * 0.7);
    }
    if (x * k < box.scrollLeft || x * k > box.scrollLeft + box.clientWidth) box.scrollLeft = Math.max(0, x * k - box.clientWidth / 2);
  }

  paint() {
    if (!this.dance || !this.scale) return;
    const ctx = this.overlay.getContext("2d"), k = this.scale;
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    if (this.selection) {
      ctx.fillStyle = "rgba(255, 190, 11, 0.28)";
      for (let n = this.selection[0]; n <= this.selection[1]; n++) {
        if (!this.dance.bars.some((b) => b.bar === n)) continue;
        const [a, z] = this.barBeats(n);
        for (const st of this.dance.staff.staves) {  // a bar may run over a staff break
          const lo = Math.max(a, st.start), hi = Math.min(z, st.end);
          if (hi <= lo) continue;
          const y0 = st.base - (lo - st.start) * this.dance.staff.beat, y1 = st.base - (hi - st.start) * this.dance.staff.beat;
          ctx.fillRect((st.x + STAFF_LEFT) * k, y1 * k, (STAFF_RIGHT - STAFF_LEFT) * k, (y0 - y1) * k);
        }
      }
    }
    if (this.beat !== null) {
      const [x, y] = this.where(this.beat);
      ctx.strokeStyle = "#ef233c"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo((x + STAFF_LEFT) * k, y * k); ctx.lineTo((x + STAFF_RIGHT) * k, y * k); ctx.stroke();
    }
  }
}

window.StaffView = StaffView;
