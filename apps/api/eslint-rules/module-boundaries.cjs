// ESLint rule: a module under src/modules/<name>/ reaches another module only through its
// services. It may not import another module's entities/ or repositories, nor name another
// module's table in SQL (option `tables`: table -> owning module), and no module but chat
// itself imports chat (chat orchestrates; nothing depends on it).
const path = require('node:path');

const MODULE_FILE = /^(.*[\\/]src[\\/]modules)[\\/]([^\\/]+)[\\/]/;
const SQL_TABLE = /\b(?:from|join|into|update)\s+"?([a-z_][a-z0-9_]*)/gi;

/** @type {import('eslint').Rule.RuleModule} */
const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: {
      description: "Forbid another module's entities, repositories and tables, and imports of chat",
    },
    schema: [
      {
        type: 'object',
        properties: { tables: { type: 'object', additionalProperties: { type: 'string' } } },
        additionalProperties: false,
      },
    ],
    messages: {
      entities:
        "'{{source}}' imports {{target}}'s entities: use {{target}}'s services and the plain types they return.",
      repository:
        "'{{source}}' imports a repository of {{target}}: use {{target}}'s services instead.",
      chat: "'{{source}}' imports chat: chat orchestrates the modules, none depends on it.",
      table:
        "'{{source}}' names {{target}}'s table {{table}} in SQL: ask a {{target}} service instead.",
    },
  },
  create(context) {
    const own = MODULE_FILE.exec(context.filename);
    if (!own) return {};
    const [, modulesRoot, source] = own;
    const tables = (context.options[0] && context.options[0].tables) || {};

    function checkSql(node, text) {
      const named = new Set(Array.from(text.matchAll(SQL_TABLE), (match) => match[1]));
      for (const table of named) {
        const target = Object.hasOwn(tables, table) ? tables[table] : undefined;
        if (target && target !== source) {
          context.report({ node, messageId: 'table', data: { source, target, table } });
        }
      }
    }

    function check(node) {
      const specifier = node.source && node.source.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const resolved = path.resolve(path.dirname(context.filename), specifier);
      const inside = path.relative(modulesRoot, resolved).split(path.sep);
      const target = inside[0];
      if (!target || target === '..' || target === source) return;
      const data = { source, target };
      if (target === 'chat') {
        context.report({ node: node.source, messageId: 'chat', data });
      } else if (inside.includes('entities')) {
        context.report({ node: node.source, messageId: 'entities', data });
      } else if (
        inside.includes('repositories') ||
        /\.repository(\.ts)?$/.test(inside[inside.length - 1])
      ) {
        context.report({ node: node.source, messageId: 'repository', data });
      }
    }

    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
      Literal(node) {
        if (typeof node.value === 'string') checkSql(node, node.value);
      },
      TemplateElement(node) {
        checkSql(node, node.value.cooked ?? node.value.raw);
      },
    };
  },
};

module.exports = moduleBoundaries;
