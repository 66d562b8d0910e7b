// A loss chart on <canvas>: training and validation loss against steps, stages side by side
// (each stage gets its share of the x axis by its step count), drawn without a library.

const TRAIN = '#1f4e8c';
const VALIDATION = '#c0392b';

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.reset();
  }

  reset() {
    this.stages = [];          // [{name, steps}]
    this.points = {train: [], validation: []};   // [{stage, step, loss}]
    this.draw();
  }

  stage(name, steps) {
    if (!this.stages.some((s) => s.name === name)) this.stages.push({name, steps: Math.max(1, steps || 1)});
    this.draw();
  }

  add(kind, stage, step, loss) {
    if (typeof loss !== 'number' || !Number.isFinite(loss)) return;
    if (!this.stages.some((s) => s.name === stage)) this.stages.push({name: stage, steps: Math.max(1, step)});
    const s = this.stages.find((x) => x.name === stage);
    if (step > s.steps) s.steps = step;
    this.points[kind].push({stage, step, loss});
    this.canvas.dataset[kind + 'Points'] = String(this.points[kind].length);
    this.draw();
  }

  count(kind) {
    return this.points[kind].length;
  }

  /** x of a point: the stage's offset plus its step, over all stages' steps. */
  x(point, left, width) {
    const total = this.stages.reduce((sum, s) => sum + s.steps, 0) || 1;
    let offset = 0;
    for (const s of this.stages) {
      if (s.name === point.stage) break;
      offset += s.steps;
    }
    return left + ((offset + point.step) / total) * width;
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || 640;
    const cssHeight = canvas.clientHeight || 240;
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, cssWidth, cssHeight);
    const left = 48;
    const right = 12;
    const top = 18;
    const bottom = 26;
    const width = cssWidth - left - right;
    const height = cssHeight - top - bottom;
    const all = [...this.points.train, ...this.points.validation];
    g.font = '12px sans-serif';
    g.fillStyle = '#5b6472';
    if (all.length === 0) {
      g.fillText('尚无损失数据', left, top + height / 2);
      return;
    }
    let min = Math.min(...all.map((p) => p.loss));
    let max = Math.max(...all.map((p) => p.loss));
    if (max - min < 1e-6) {
      min -= 0.5;
      max += 0.5;
    }
    const y = (loss) => top + (1 - (loss - min) / (max - min)) * height;

    // axes, horizontal grid with loss labels
    g.strokeStyle = '#d8dde5';
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const value = min + ((max - min) * i) / 4;
      const yy = y(value);
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(left + width, yy);
      g.stroke();
      g.fillText(value.toFixed(2), 4, yy + 4);
    }
    // stage boundaries and names
    const total = this.stages.reduce((sum, s) => sum + s.steps, 0) || 1;
    let offset = 0;
    for (const s of this.stages) {
      const x0 = left + (offset / total) * width;
      g.strokeStyle = '#9aa3af';
      g.beginPath();
      g.moveTo(x0, top);
      g.lineTo(x0, top + height);
      g.stroke();
      g.fillStyle = '#5b6472';
      g.fillText(s.name, x0 + 4, top + height + 16);
      offset += s.steps;
    }
    const line = (points, color, dots) => {
      g.strokeStyle = color;
      g.fillStyle = color;
      g.lineWidth = 2;
      for (const stage of this.stages) {
        const inStage = points.filter((p) => p.stage === stage.name);
        g.beginPath();
        inStage.forEach((p, i) => {
          const px = this.x(p, left, width);
          const py = y(p.loss);
          if (i === 0) g.moveTo(px, py);
          else g.lineTo(px, py);
        });
        g.stroke();
        if (dots || inStage.length === 1) {
          for (const p of inStage) {
            g.beginPath();
            g.arc(this.x(p, left, width), y(p.loss), 3, 0, Math.PI * 2);
            g.fill();
          }
        }
      }
    };
    line(this.points.train, TRAIN, false);
    line(this.points.validation, VALIDATION, true);
  }
}
