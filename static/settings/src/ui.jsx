// Pieces every panel shares, on Atlaskit: the confirmation modal (sandboxed iframes block
// window.confirm), flags for what happened, status messages, run-status lozenges and the
// label-with-id cell that puts a readable name beside a JumpCloud id.

import Button from '@atlaskit/button/new';
import Flag, { FlagGroup } from '@atlaskit/flag';
import Lozenge from '@atlaskit/lozenge';
import Modal, { ModalBody, ModalFooter, ModalHeader, ModalTitle, ModalTransition } from '@atlaskit/modal-dialog';
import SectionMessage from '@atlaskit/section-message';
import Spinner from '@atlaskit/spinner';
import { createContext, useCallback, useContext, useRef, useState } from 'react';

import { showValue } from './dom.js';
import { statusText } from './report.js';

const ConfirmContext = createContext(async () => false);
const FlagsContext = createContext(() => {});

/**
 * Provides `useConfirm()` (an Atlaskit modal answering true/false) and `useFlag()` (an Atlaskit
 * flag in the corner) to the panels under it.
 */
export function PageServices({ children }) {
  const [asking, setAsking] = useState(null);
  const [flags, setFlags] = useState([]);
  const nextFlag = useRef(0);

  const confirm = useCallback(({ title, body, confirmText, tone = 'danger' }) => new Promise((resolve) => {
    setAsking({ title, body, confirmText, tone, resolve });
  }), []);
  const answer = (value) => {
    asking?.resolve(value);
    setAsking(null);
  };
  const flag = useCallback(({ kind = 'success', title, description }) => {
    nextFlag.current += 1;
    const id = nextFlag.current;
    setFlags((shown) => [{ id, kind, title, description }, ...shown].slice(0, 3));
    // Flags are a courtesy: the panels say the same in their own status lines.
    setTimeout(() => setFlags((shown) => shown.filter((f) => f.id !== id)), 8000);
  }, []);

  return (
    <ConfirmContext.Provider value={confirm}>
      <FlagsContext.Provider value={flag}>
        {children}
        <ModalTransition>
          {asking && (
            <Modal onClose={() => answer(false)} autoFocus={false} width="medium" label={asking.title}>
              <ModalHeader>
                <ModalTitle appearance={asking.tone === 'danger' ? 'danger' : undefined}>{asking.title}</ModalTitle>
              </ModalHeader>
              <ModalBody>
                {typeof asking.body === 'string' ? <p className="confirm-body">{asking.body}</p> : asking.body}
              </ModalBody>
              <ModalFooter>
                {/* The safe choice has focus. */}
                <Button appearance="subtle" autoFocus onClick={() => answer(false)}>Cancel</Button>
                <Button appearance={asking.tone === 'danger' ? 'danger' : 'primary'} onClick={() => answer(true)}>
                  {asking.confirmText}
                </Button>
              </ModalFooter>
            </Modal>
          )}
        </ModalTransition>
        <FlagGroup onDismissed={(id) => setFlags((shown) => shown.filter((f) => f.id !== id))}>
          {flags.map((f) => (
            <Flag key={f.id} id={f.id} title={f.title} description={f.description}
              icon={<span className={`flag-dot flag-${f.kind}`} aria-hidden="true" />} />
          ))}
        </FlagGroup>
      </FlagsContext.Provider>
    </ConfirmContext.Provider>
  );
}

/** `confirm({title, body, confirmText, tone})` → Promise<boolean>. */
export const useConfirm = () => useContext(ConfirmContext);
/** `flag({kind: 'success' | 'error' | 'info', title, description?})`. */
export const useFlag = () => useContext(FlagsContext);

/**
 * A panel's status: `{kind, text}` with kind `busy | ok | info | error`. Errors are alerts
 * (announced at once); busy shows a spinner; the rest a polite live region.
 */
export function StatusMessage({ status, className = '' }) {
  if (!status?.text) return <div className={`status-message ${className}`} role="status" aria-live="polite" />;
  if (status.kind === 'busy') {
    return (
      <div className={`status-message status-busy ${className}`} role="status" aria-live="polite">
        <Spinner size="small" label="Working" /> <span>{status.text}</span>
      </div>
    );
  }
  const appearance = { error: 'error', ok: 'success', info: 'information', warning: 'warning' }[status.kind] ?? 'information';
  return (
    <div className={`status-message status-message-${status.kind} ${className}`} role={status.kind === 'error' ? 'alert' : 'status'}>
      <SectionMessage appearance={appearance}>
        <p>{status.text}</p>
        {status.details}
      </SectionMessage>
    </div>
  );
}

/** A `[status, set]` pair for StatusMessage: `set(kind, text)`, `set(null)` clears. */
export function useStatus() {
  const [status, setStatus] = useState(null);
  const set = useCallback((kind, text, details) => setStatus(kind ? { kind, text, details } : null), []);
  return [status, set];
}

/** Run status → Lozenge look: only a clean success is green; partial is never. */
const STATUS_APPEARANCE = {
  succeeded: 'success',
  partial: 'moved',
  stopped: 'moved',
  failed: 'removed',
  interrupted: 'removed',
  busy: 'default',
  continue: 'inprogress',
  running: 'inprogress',
  queued: 'new',
};

/** A run's status as an Atlaskit Lozenge (`.badge[data-status]` for tests and styles). */
export function StatusLozenge({ status }) {
  const code = String(status ?? 'unknown');
  return (
    <span className={`badge badge-${code}`} data-status={code}>
      <Lozenge appearance={STATUS_APPEARANCE[code] ?? 'default'} isBold={code === 'failed' || code === 'interrupted'}>
        {statusText(code)}
      </Lozenge>
    </span>
  );
}

/**
 * A record's readable name with its JumpCloud id beside it (the id alone when no name is
 * known); the id is also in the tooltip.
 */
export function RecordCell({ id, label }) {
  const key = showValue(id);
  if (!label) return <span className="record-id">{key}</span>;
  return (
    <span className="record" title={`JumpCloud id ${key}`}>
      <span className="record-name">{label}</span> <span className="record-id">{key}</span>
    </span>
  );
}

/**
 * Attribute values, references shown by the referenced object's label (`labels`, parallel to
 * `values`) with the key or id in the tooltip.
 */
export function Values({ values, labels }) {
  const list = Array.isArray(values) ? values : values === undefined || values === null ? [] : [values];
  if (!list.length) return '—';
  return list.map((value, i) => {
    const label = Array.isArray(labels) ? labels[i] : null;
    return (
      <span key={i}>
        {i ? ', ' : ''}
        {label ? <span className="ref-label" title={showValue(value)}>{label}</span> : showValue(value)}
      </span>
    );
  });
}
