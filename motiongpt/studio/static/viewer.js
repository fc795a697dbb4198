// The dancer in 3D on a <canvas> (2D context, a perspective projection written here: no library).
// Joint positions come from the server in millimetres, y up, one flat array [x0,y0,z0,x1,...] per frame, with the
// skeleton's parent indices for the bones. Drag turns the camera around the dancer, the wheel brings it closer.
"use strict";

const DANCER_COLORS = ["#ef233c", "#3a86ff", "#2a9d8f"];

class DancerView {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.yaw = 0.6; this.pitch = 0.25; this.distance = 4.2;
    this.data = null; this.centre = [0, 0.9, 0];
    let last = null;
    canvas.addEventListener("pointerdown", (e) => { last = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointermove", (e) => {
      if (!last) return;
      this.yaw += (e.clientX - last[0]) * 0.01;
      this.pitch = Math.max(-0.2, Math.min(1.4, this.pitch + (e.clientY - last[1]) * 0.01));
      last = [e.clientX, e.clientY];
      this.draw(this.time || 0);
    });
    canvas.addEventListener("pointerup", () => { last = null; });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      this.distance = Math.max(1.5, Math.min(12, this.distance * (e.deltaY > 0 ? 1.1 : 0.9)));
      this.draw(this.time || 0);
    }, { passive: false });
  }

  setMotion(data) {
    // data: {fps, dancers: [{parents, frames}]}; the camera looks at the middle of the floor the dance covers.
    this.data = data;
    let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    for (const d of data.dancers) {
      for (let f = 0; f < d.frames.length; f += 5) {
        const x = d.frames[f][0] / 1000, z = d.frames[f][2] / 1000;
        lo = [Math.min(lo[0], x), Math.min(lo[1], z)]; hi = [Math.max(hi[0], x), Math.max(hi[1], z)];
      }
    }
    this.centre = [(lo[0] + hi[0]) / 2, 0.9, (lo[1] + hi[1]) / 2];
    this.distance = Math.max(3.5, 1.6 * Math.max(hi[0] - lo[0], hi[1] - lo[1]) + 3);
    this.draw(0);
  }

  duration() {
    if (!this.data) return 0;
    return Math.max(...this.data.dancers.map((d) => d.frames.length)) / this.data.fps;
  }

  project(p) {
    // world (metres) -> canvas pixels, or null behind the camera
    const x = p[0] - this.centre[0], y = p[1] - this.centre[1], z = p[2] - this.centre[2];
    const cy = Math.cos(this.yaw), sy = Math.sin(this.yaw), cp = Math.cos(this.pitch), sp = Math.sin(this.pitch);
    const x1 = cy * x - sy * z, z1 = sy * x + cy * z;
    const y2 = cp * y - sp * z1, z2 = sp * y + cp * z1 + this.distance;
    if (z2 < 0.1) return null;
    const f = this.canvas.height * 1.2;
    return [this.canvas.width / 2 + f * x1 / z2, this.canvas.height * 0.55 - f * y2 / z2, z2];
  }

  line(a, b, color, width) {
    const p = this.project(a), q = this.project(b);
    if (!p || !q) return;
    const ctx = this.ctx;
    ctx.strokeStyle = color; ctx.lineWidth = width;
    ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
  }

  draw(t) {
    this.time = t;
    const ctx = this.ctx, w = this.canvas.width, h = this.canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.lineCap = "round";
    // the floor: a metre grid around the dance
    const c = this.centre, n = 4;
    for (let i = -n; i <= n; i++) {
      const gx = Math.round(c[0]) + i, gz = Math.round(c[2]) + i;
      this.line([gx, 0, Math.round(c[2]) - n], [gx, 0, Math.round(c[2]) + n], "#c9ccd6", 1);
      this.line([Math.round(c[0]) - n, 0, gz], [Math.round(c[0]) + n, 0, gz], "#c9ccd6", 1);
    }
    if (!this.data) return;
    this.data.dancers.forEach((d, k) => {
      const frame = d.frames[Math.max(0, Math.min(d.frames.length - 1, Math.floor(t * this.data.fps)))];
      const joint = (j) => [frame[3 * j] / 1000, frame[3 * j + 1] / 1000, frame[3 * j + 2] / 1000];
      for (let j = 0; j < d.parents.length; j++) {  // shadow on the floor
        if (d.parents[j] < 0) continue;
        const a = joint(j), b = joint(d.parents[j]);
        this.line([a[0], 0, a[2]], [b[0], 0, b[2]], "rgba(0,0,0,0.12)", 6);
      }
      const color = DANCER_COLORS[k % DANCER_COLORS.length];
      for (let j = 0; j < d.parents.length; j++) {
        if (d.parents[j] >= 0) this.line(joint(j), joint(d.parents[j]), color, 4);
      }
      const head = d.names ? d.names.findIndex((name) => /head/i.test(name)) : -1;
      if (head >= 0) {
        const p = this.project(joint(head));
        if (p) { ctx.fillStyle = color; ctx.beginPath(); ctx.arc(p[0], p[1], Math.max(3, 0.1 * h / p[2] * 1.2), 0, 2 * Math.PI); ctx.fill(); }
      }
    });
  }
}

window.DancerView = DancerView;
