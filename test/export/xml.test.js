import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeXml, formatElement, formatOpenTag } from '../../dist/export/xml.js';

describe('XML writing', () => {
  it('escapes the five XML specials in text and attribute values', () => {
    assert.equal(escapeXml(`a<b>&"c"'d'`), 'a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    assert.equal(escapeXml('plain 12, 3'), 'plain 12, 3');
  });
  it('writes self-closing, text and nested elements', () => {
    assert.equal(formatElement('mask', { label: 'a"b', left: 3 }), '<mask label="a&quot;b" left="3"/>');
    assert.equal(formatElement('name', {}, { text: 'R&D' }), '<name>R&amp;D</name>');
    assert.equal(formatElement('label', {}, { children: '<name>x</name>' }), '<label><name>x</name></label>');
    assert.equal(formatOpenTag('image', { id: 0, name: '00000.jpg' }), '<image id="0" name="00000.jpg">');
  });
  it('validation: refuses characters XML 1.0 cannot hold', () => {
    assert.throws(() => escapeXml('bell\u0007'), /XML 1\.0 cannot carry/);
  });
});
