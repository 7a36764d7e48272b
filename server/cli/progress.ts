// Progress bars on stderr: redrawn in place on a terminal, one line per stage and every
// tenth otherwise (logs stay readable).
import type { TrainingProgress } from '../native/model-addon';

const WIDTH = 30;

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH);
  return '#'.repeat(filled) + '.'.repeat(WIDTH - filled);
}

function losses(p: TrainingProgress): string {
  const parts: string[] = [];
  if (p.trainLoss !== undefined && p.trainLoss !== 0) parts.push(`train ${p.trainLoss.toExponential(3)}`);
  if (p.validationLoss !== undefined && p.validationLoss !== 0) parts.push(`validation ${p.validationLoss.toExponential(3)}`);
  return parts.length ? `  ${parts.join(', ')}` : '';
}

export class ProgressBars {
  private stage = '';
  private lastTenth = -1;
  private open = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(p: TrainingProgress): void {
    const fraction = p.total > 0 ? p.step / p.total : 0;
    const line = `${p.stage.padEnd(10)} [${bar(fraction)}] ${p.step}/${p.total}${losses(p)}`;
    if (this.stream.isTTY) {
      if (p.stage !== this.stage && this.open) this.stream.write('\n');
      this.stream.write(`\r${line}\x1b[K`);
      this.open = true;
    } else {
      const tenth = Math.floor(fraction * 10);
      if (p.stage !== this.stage || tenth !== this.lastTenth) this.stream.write(line + '\n');
      this.lastTenth = tenth;
    }
    this.stage = p.stage;
  }

  done(): void {
    if (this.open) this.stream.write('\n');
    this.open = false;
  }
}

// A count of items done (e.g. structures in batches), drawn like the training bars; nothing is
// drawn for work that ends in one step.
export class CountBar {
  private done_ = 0;
  private lastTenth = -1;
  private drawn = false;

  constructor(private readonly label: string, private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr) {}

  add(k: number): void {
    this.done_ += k;
    if (this.done_ >= this.total && !this.drawn) return;  // all at once: no bar
    const fraction = this.total > 0 ? this.done_ / this.total : 1;
    const line = `${this.label.padEnd(10)} [${bar(fraction)}] ${this.done_}/${this.total}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K`);
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth !== this.lastTenth) this.stream.write(line + '\n');
      this.lastTenth = tenth;
    }
    this.drawn = true;
  }

  done(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\n');
  }
}
