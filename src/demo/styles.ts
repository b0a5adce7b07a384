import { css } from 'lit';

/** Styles shared by the demo's components: panels, headings and choice buttons. */
export const sharedStyles = css`
  :host {
    display: block;
    color: var(--vb-text, #e6e9ee);
  }

  h2 {
    margin: 0 0 0.6rem;
    font-size: 0.78rem;
    font-weight: 600;
    letter-spacing: 0.06em;
    text-transform: uppercase;
    color: var(--vb-muted, #8f99a8);
  }

  button,
  select,
  input,
  label.button {
    font: inherit;
    color: inherit;
  }

  .choice {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.35rem;
    min-height: 2.1rem;
    padding: 0.3rem 0.7rem;
    border: 1px solid var(--vb-border, #2a313b);
    border-radius: 0.5rem;
    background: #1f252d;
    cursor: pointer;
    transition:
      border-color 120ms,
      background 120ms;
  }

  .choice:hover {
    border-color: #475263;
  }

  .choice:focus-visible {
    outline: 2px solid var(--vb-accent, #4f9dff);
    outline-offset: 2px;
  }

  .choice[aria-pressed='true'] {
    border-color: var(--vb-accent, #4f9dff);
    background: #1c3150;
    box-shadow: 0 0 0 1px var(--vb-accent, #4f9dff) inset;
  }
`;
