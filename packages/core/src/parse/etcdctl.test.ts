import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctlCompletions, parseCtl, type CtlParsed } from './etcdctl.ts';

const ok = (argv: string[]): CtlParsed => {
  const p = parseCtl(argv);
  assert.ok(p.ok, JSON.stringify(p));
  return p;
};

test('pflag forms: --flag value, --flag=value, -w json, -wjson, bools, flags anywhere, -- ends flags', () => {
  const p = ok(['--endpoints', 'a:1,b:2', 'get', '/k', '--prefix', '-w', 'json', '--limit=5']);
  assert.equal(p.command.path, 'get');
  assert.deepEqual(p.args, ['/k']);
  assert.deepEqual(p.flags.endpoints, ['a:1', 'b:2']);
  assert.equal(p.flags.prefix, true);
  assert.equal(p.flags['write-out'], 'json');
  assert.equal(p.flags.limit, '5');
  assert.equal(ok(['get', '-wfields', 'k']).flags['write-out'], 'fields');
  assert.equal(ok(['get', '--prefix=false', 'k']).flags.prefix, false);
  assert.deepEqual(ok(['put', '--', '-k', '-v']).args, ['-k', '-v']);
  assert.equal(ok(['member', 'list']).command.path, 'member list');
  assert.deepEqual(ok(['lease', 'timetolive', 'abc', '--keys']).args, ['abc']);
  // int64 stays exact as text.
  assert.equal(ok(['get', 'k', '--rev', '9223372036854775807']).flags.rev, '9223372036854775807');
});

test('mistakes: etcdctl messages, exit code 1, with the usage', () => {
  const cases: Array<[string[], string]> = [
    [['get', '--bogus', 'k'], 'unknown flag: --bogus'],
    [['get', '-x', 'k'], "unknown shorthand flag: 'x' in -x"],
    [['get', 'k', '--rev'], 'flag needs an argument: --rev'],
    [['get', 'k', '--rev', 'abc'], 'invalid argument "abc" for "--rev" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['get', 'k', '--prefix=maybe'], 'invalid argument "maybe" for "--prefix" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['frobnicate'], 'unknown command "frobnicate" for "etcdctl"'],
    [['member', 'frob'], 'unknown command "frob" for "etcdctl member"'],
  ];
  for (const [argv, error] of cases) {
    const p = parseCtl(argv);
    assert.ok(!p.ok);
    assert.equal(p.error, error);
    assert.equal(p.exitCode, 1);
  }
  const flagError = parseCtl(['get', '--bogus', 'k']);
  assert.ok(!flagError.ok && flagError.usage.includes('USAGE:\n\tetcdctl get [options] <key> [range_end] [flags]'));
  const help = parseCtl(['get', '--help']);
  assert.ok(!help.ok && help.exitCode === 0 && help.error === '' && help.usage.includes('--print-value-only'));
});

test('completions of commands, subcommands and flags', () => {
  assert.deepEqual(ctlCompletions('me'), ['member']);
  assert.deepEqual(ctlCompletions('member p'), ['promote']);
  assert.ok(ctlCompletions('get --pre').includes('--prefix'));
});
