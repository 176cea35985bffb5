// ESLint rule `udpkit/layers`: every file in src/ has a layer, and imports point down the layers, in every form.
//
// Why a rule of our own and not eslint-plugin-import-x's `no-restricted-paths`: that rule resolves each import with a
// resolver and passes over what it cannot resolve (a `.js` specifier naming a `.ts` file needs a second plugin,
// eslint-import-resolver-typescript), so a misconfigured resolver lets everything through without a word; and it
// cannot say that a file has no layer at all. A layer here is a folder (or a file) under src/: the specifier's path
// alone tells where it points, so nothing needs resolving, and this file is the whole of it.

import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Where a path inside src/ sits: the index of the first layer holding it (0 = the top), or -1.
 * A layer entry ending in `/` is a folder (with everything below it); any other entry is one file at src/ root.
 */
function layerOf(layers, path) {
  return layers.findIndex((entries) => entries.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) : path === entry)));
}

/** The text of a string literal, or of a template literal without `${}`; undefined for anything computed. */
function literalText(node) {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Every file in src/ has a layer, and every import (static, re-export, import(), require, import type) points down.' },
    schema: [
      {
        type: 'object',
        properties: {
          src: { type: 'string' },
          self: { type: 'string' },
          layers: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
        },
        required: ['src', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      upward: '{{file}} ({{from}}) must not import {{spec}} ({{to}}): imports point down the layers, {{order}}.',
      noLayer: '{{file}} has no layer: put it in one of {{places}} (or add its folder to the layers in eslint.config.js).',
      computed: 'A computed {{what}} cannot be checked against the layers: name the module with a string literal.',
    },
  },
  create(context) {
    const { src, self, layers } = context.options[0];
    const file = relative(src, resolve(context.cwd, context.filename)).split(sep).join('/');
    if (file.startsWith('../') || isAbsolute(file)) return {};
    /** A layer as the messages name it: `core`, or `errors.ts|types.ts` for a group. */
    const name = (index) => layers[index].map((entry) => entry.replace(/\/$/, '')).join('|');
    const order = layers.map((_, index) => name(index)).join(' → ');
    const mine = layerOf(layers, file);

    /** The path inside src/ that a specifier names, or undefined for a package (or a file outside src/). */
    function target(spec) {
      let path;
      if (spec.startsWith('.') || spec.startsWith('/')) path = relative(src, resolve(dirname(join(src, file)), spec));
      else if (self !== undefined && (spec === self || spec.startsWith(`${self}/`))) path = join(spec.slice(self.length), 'index.ts');
      else return undefined;
      path = path.split(sep).join('/').replace(/^\//, '');
      return path.startsWith('../') ? undefined : path;
    }

    function check(node, what) {
      if (mine === -1 || node == null) return;
      const spec = literalText(node);
      if (spec === undefined) {
        context.report({ node, messageId: 'computed', data: { what } });
        return;
      }
      const path = target(spec);
      if (path === undefined) return;
      const theirs = layerOf(layers, path);
      // A target with no layer is reported where it is linted itself (noLayer); only a known higher layer is wrong here.
      if (theirs !== -1 && theirs < mine) {
        context.report({ node, messageId: 'upward', data: { file: `src/${file}`, from: name(mine), spec, to: name(theirs), order } });
      }
    }

    return {
      Program(node) {
        if (mine === -1) {
          const places = layers.flat().map((entry) => `src/${entry}`).join(', ');
          context.report({ node, messageId: 'noLayer', data: { file: `src/${file}`, places } });
        }
      },
      ImportDeclaration: (node) => check(node.source, 'import'),
      ExportNamedDeclaration: (node) => node.source && check(node.source, 'export … from'),
      ExportAllDeclaration: (node) => check(node.source, 'export * from'),
      ImportExpression: (node) => check(node.source, 'import()'),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length > 0) check(node.arguments[0], 'require()');
      },
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference.type === 'TSExternalModuleReference') check(node.moduleReference.expression, 'import = require()');
      },
      // `typeof import('…')` in a type: typescript-eslint 8 calls the specifier `source`, older versions `argument`.
      TSImportType: (node) => check(node.source ?? node.argument?.literal, 'import() type'),
    };
  },
};
