// ESLint (a development tool only; `make lint` runs it over static/js and tests/js).
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    // The schedule editor: ES modules, loaded by the browser as they are.
    files: ["static/js/schedule-editor.js", "static/js/editor/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: globals.browser,
    },
    rules: {
      "max-lines": ["error", { max: 800 }],
      "max-lines-per-function": ["error", { max: 80 }],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
  {
    // The other scripts: classic scripts, each in its own closure.
    files: ["static/js/**/*.js"],
    ignores: ["static/js/schedule-editor.js", "static/js/editor/**"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: globals.browser,
    },
  },
  {
    files: ["tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: globals.node,
    },
  },
  {
    rules: {
      eqeqeq: "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
    },
  },
  {
    ignores: ["node_modules/", "tests/ical/node_modules/"],
  },
];
