import { css } from 'lit';

/** The demo page's layout: the stage with its preview, the side panel and the banners. */
export const demoLayoutStyles = css`
  :host {
    box-sizing: border-box;
    max-width: 1440px;
    margin: 0 auto;
    padding: 1.25rem;
  }

  header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 0.5rem 1rem;
    margin-bottom: 1rem;
  }

  h1 {
    margin: 0;
    font-size: 1.3rem;
    font-weight: 650;
  }

  .notice {
    padding: 0.3rem 0.7rem;
    border-radius: 999px;
    font-size: 0.85rem;
    background: #1b2a1f;
    color: #9be3a8;
  }

  .notice.sample {
    background: #2f2816;
    color: #f2cf7a;
  }

  /* Messages float over the page: one appearing never moves the controls under a pointer. */
  .toasts {
    position: fixed;
    top: 1rem;
    left: 50%;
    z-index: 10;
    width: min(40rem, calc(100% - 2rem));
    transform: translateX(-50%);
  }

  .error {
    display: flex;
    align-items: flex-start;
    gap: 0.75rem;
    box-shadow: 0 0.5rem 1.5rem rgb(0 0 0 / 0.5);
    padding: 0.7rem 0.9rem;
    border: 1px solid #6b2b2b;
    border-radius: 0.6rem;
    background: #2a1717;
    color: #ffd2d2;
  }

  .error code {
    padding: 0.05rem 0.4rem;
    border-radius: 0.3rem;
    background: #4a2020;
    color: var(--vb-danger, #ff6b6b);
    white-space: nowrap;
  }

  .error .message {
    flex: 1;
    overflow-wrap: anywhere;
  }

  .error button {
    border: 0;
    background: none;
    cursor: pointer;
    font-size: 1.1rem;
    line-height: 1;
  }

  /* Wide: the stage and the panels under it on the left, the controls on the right. Narrow: the
     stage, then the controls, then the panels (on a phone the controls come before the stats). */
  main {
    display: grid;
    grid-template-columns: minmax(0, 1fr) 21rem;
    grid-template-areas:
      'stage controls'
      'panels controls';
    gap: 1.25rem;
    align-items: start;
  }

  main > section:first-child {
    grid-area: stage;
  }

  main > .panels {
    grid-area: panels;
  }

  main > aside {
    grid-area: controls;
  }

  @media (max-width: 960px) {
    main {
      grid-template-columns: 1fr;
      grid-template-areas:
        'stage'
        'controls'
        'panels';
    }
  }

  .stage {
    position: relative;
    aspect-ratio: 16 / 9;
    overflow: hidden;
    border-radius: 0.8rem;
    background: #000;
  }

  .stage video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: contain;
  }

  .badge {
    position: absolute;
    top: 0.75rem;
    left: 0.75rem;
    padding: 0.2rem 0.6rem;
    border-radius: 999px;
    font-size: 0.78rem;
    background: rgb(0 0 0 / 0.6);
  }

  .stage video.mirrored {
    transform: scaleX(-1);
  }

  .badge.raw {
    background: rgb(110 70 0 / 0.85);
    color: #ffe2a8;
  }

  .progress {
    position: absolute;
    left: 50%;
    bottom: 1rem;
    display: flex;
    align-items: center;
    gap: 0.6rem;
    padding: 0.45rem 0.9rem;
    border-radius: 999px;
    transform: translateX(-50%);
    background: rgb(0 0 0 / 0.7);
    font-size: 0.9rem;
    white-space: nowrap;
  }

  .spinner {
    width: 1rem;
    height: 1rem;
    border: 2px solid rgb(255 255 255 / 0.25);
    border-top-color: var(--vb-accent, #4f9dff);
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
  }

  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
    }
  }

  .camera {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem;
    font-size: 0.85rem;
  }

  .camera select {
    max-width: 14rem;
    margin-left: 0.4rem;
    padding: 0.3rem 0.5rem;
    border: 1px solid var(--vb-border, #2a313b);
    border-radius: 0.5rem;
    background: #1f252d;
  }

  @media (max-width: 480px) {
    :host {
      padding: 0.75rem;
    }

    h1 {
      font-size: 1.1rem;
    }

    .badge {
      top: 0.4rem;
      left: 0.4rem;
      font-size: 0.7rem;
    }

    .progress {
      bottom: 0.5rem;
      font-size: 0.78rem;
    }
  }

  .panels {
    display: flex;
    flex-direction: column;
    gap: 1rem;
  }

  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.75rem;
    margin-top: 0.75rem;
  }

  .toolbar .hint {
    font-size: 0.85rem;
    color: var(--vb-muted, #8f99a8);
  }

  aside {
    display: flex;
    flex-direction: column;
    gap: 1rem;
  }

  .panel,
  aside > * {
    padding: 0.9rem 1rem;
    border: 1px solid var(--vb-border, #2a313b);
    border-radius: 0.8rem;
    background: var(--vb-panel, #171b21);
  }

  aside[inert] background-picker,
  aside[inert] keep-chooser,
  aside[inert] quality-select {
    opacity: 0.5;
  }
`;
