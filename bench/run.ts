// All benchmarks, one after the other: `npm run bench` (node --import tsx bench/run.ts).
// They print numbers and assert nothing.
import { benchLogin, printLoginBench } from './login.ts';
import { print } from './stats.ts';
import { benchVerify, printVerifyBench } from './verify.ts';

const LOGIN_RUNS = 200;
const LOGIN_WARMUP = 20;

const started = Date.now();
print(`Scanin benchmarks — Node.js ${process.version}, ${process.platform}/${process.arch}`);
print();
printLoginBench(await benchLogin(LOGIN_RUNS, LOGIN_WARMUP), LOGIN_WARMUP);
print();
printVerifyBench(benchVerify());
print();
print(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
