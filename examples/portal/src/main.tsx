import { render } from 'preact';
import './styles.css';
import { createPortal } from './api.js';
import { App } from './app.js';

const root = document.getElementById('portal');
if (root) {
  // The API is the parent of the portal's folder: /portal/ → /, /auth/portal/ → /auth/.
  const portal = createPortal({ baseUrl: new URL('../', document.baseURI).href, storage: sessionStorage });
  root.textContent = '';
  render(<App portal={portal} />, root);
}
