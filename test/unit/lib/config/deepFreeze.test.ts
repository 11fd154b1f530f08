import { deepFreeze } from '../../../../src/lib/config/deepFreeze';

describe('deepFreeze', () => {
  it('freezes objects and arrays at every depth and returns the same object', () => {
    const value = { a: { b: [1, { c: 'd' }] }, e: [[2]] };
    const frozen = deepFreeze(value);
    expect(frozen).toBe(value);
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a.b)).toBe(true);
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
    expect(Object.isFrozen(value.e[0])).toBe(true);
  });

  it('makes writes throw in strict mode (test files are modules)', () => {
    const value = deepFreeze({ list: ['x'], nested: { n: 1 } });
    expect(() => {
      value.list.push('y');
    }).toThrow(TypeError);
    expect(() => {
      value.nested.n = 2;
    }).toThrow(TypeError);
    expect(value).toEqual({ list: ['x'], nested: { n: 1 } });
  });

  it.each([null, undefined, 0, 'text', true])('returns the primitive %p unchanged', (primitive) => {
    expect(deepFreeze(primitive)).toBe(primitive);
  });

  it('handles cycles without recursing forever', () => {
    const node: { self?: unknown; child: { parent?: unknown } } = { child: {} };
    node.self = node;
    node.child.parent = node;
    expect(deepFreeze(node)).toBe(node);
    expect(Object.isFrozen(node.child)).toBe(true);
  });

  it('stops at an object that is already frozen (how cycles end), leaving its children as they are', () => {
    const inner = { n: 1 };
    const outer = Object.freeze({ inner });
    deepFreeze(outer);
    expect(Object.isFrozen(inner)).toBe(false);
  });
});
