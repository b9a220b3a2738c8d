import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { createBrowserClient } from './lib/lumina-client';
import { getThemeStore } from './lib/theme';
import './styles.css';

// Start following the saved theme (and the OS, when "system") before React renders.
getThemeStore();

const container = document.getElementById('root');
if (!container) throw new Error('index.html must contain <div id="root">');

createRoot(container).render(
  <StrictMode>
    <App client={createBrowserClient()} />
  </StrictMode>,
);
