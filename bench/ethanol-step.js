// usage: node bench.js path/to/hamd.node model.npz
const addon = require(process.argv[2]);
const engine = addon.createEngine(1);
const model = engine.loadModel(process.argv[3] || 'models/default-energy.npz');
const session = model.openSession({system: {types: Int32Array.from([6, 6, 8, 1, 1, 1, 1, 1, 1]), cell: new Float64Array(9), pbc: [false, false, false]},
  skin: 0.5, outputs: ['energy', 'forces'], units: 'ev'});
const base = [-0.0, 0.58, 0.0, 1.26, -0.37, 0.0, -1.2, -0.17, 0.0, -0.03, 1.22, 0.89, -0.03, 1.22, -0.89, 1.3, -1.01, 0.88, 1.3, -1.01, -0.88, 2.1, 0.36, 0.0, -1.95, 0.43, 0.0];
const pos = Float64Array.from(base);
(async () => {
const times = [], computes = [];
let e0;
for (let s = 0; s < 260; ++s) {
  for (let k = 0; k < pos.length; ++k) pos[k] = base[k] + 0.02 * Math.sin(0.1 * s + k);
  const t = process.hrtime.bigint();
  const r = await session.step(pos);
  const dt = Number(process.hrtime.bigint() - t) / 1e6;
  if (s === 0) e0 = r;
  if (s >= 60) { times.push(dt); if (r.computeMicroseconds !== undefined) computes.push(r.computeMicroseconds); }
}
times.sort((a, b) => a - b);
console.log('median ms/step', times[100].toFixed(3), 'min', times[0].toFixed(3));
computes.sort((a, b) => a - b);
console.log('median computeMicroseconds', computes[100]);
console.log(JSON.stringify(e0, (k, v) => (v instanceof Float64Array ? Array.from(v).slice(0, 6) : v)).slice(0, 400));
})();
