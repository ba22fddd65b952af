import { describe, expect, it } from 'vitest';
import { readPtcXml } from '../src/index';

const xml = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Particle Tracking Challenge ground truth -->
<root>
<TrackContestISBI2012 SNR="2" density="low" generationDateTime="Mon Feb 13 2012" info="http://example" scenario="VIRUS">
<particle>
<detection t="0" x="10.5" y="20.25" z="3.1"/>
<detection t="1" x="11" y="21" z="3.2"/>
</particle>
<particle>
<detection t="1" x="100" y="200" z="0"/>
<detection z='4' y='5' x='6' t='0' />
</particle>
</TrackContestISBI2012>
</root>
`;

describe('readPtcXml', () => {
  it('selects the detections of one time point, with their particle index', () => {
    expect(readPtcXml(xml, { frame: 0 })).toEqual([
      { x: 10.5, y: 20.25, z: 3.1, track: 0 },
      { x: 6, y: 5, z: 4, track: 1 },
    ]);
    expect(readPtcXml(xml, { frame: 1 })).toEqual([
      { x: 11, y: 21, z: 3.2, track: 0 },
      { x: 100, y: 200, z: 0, track: 1 },
    ]);
  });

  it('needs a frame when there are several, and refuses one that is not there', () => {
    expect(() => readPtcXml(xml, { file: 'gt.xml' })).toThrow(
      'gt.xml: the file has 2 time points (t = 0..1)',
    );
    expect(() => readPtcXml(xml, { frame: 5 })).toThrow(/no detections at t = 5; the file has t = 0..1/);
  });

  it('reads a single-frame file without a frame, and an empty contest as no points', () => {
    const one =
      '<root><TrackContestISBI2012><particle><detection t="7" x="1" y="2" z="3"/></particle></TrackContestISBI2012></root>';
    expect(readPtcXml(one)).toEqual([{ x: 1, y: 2, z: 3, track: 0 }]);
    expect(readPtcXml('<root><TrackContestISBI2012></TrackContestISBI2012></root>')).toEqual([]);
  });

  it('explains other XML and bad coordinates', () => {
    expect(() => readPtcXml('<root><foo/></root>', { file: 'x.xml' })).toThrow(
      /x\.xml: not Particle Tracking Challenge XML/,
    );
    const bad =
      '<root><TrackContestISBI2012><particle><detection t="0" x="1" y="nan" z="3"/></particle></TrackContestISBI2012></root>';
    expect(() => readPtcXml(bad)).toThrow(
      /detection 0 \(particle 0\): attribute y must be a finite number, got "nan"/,
    );
    const missing =
      '<root><TrackContestISBI2012><particle><detection t="0" x="1" y="2"/></particle></TrackContestISBI2012></root>';
    expect(() => readPtcXml(missing)).toThrow(/attribute z must be a finite number, got nothing/);
    expect(() => readPtcXml(xml, { frame: 0.5 })).toThrow(/frame must be an integer/);
  });
});
